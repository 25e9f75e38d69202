"""`kubat demo`: build the generated demo dataset of every domain, in one transaction.

The apps, in dependency order, are the project's setting KUBAT_DEMO_APPS (core knows no app).
Each exposes `kubat.<app>.demo.load_demo(*, seed: int)` returning counts of what it created,
and may expose `has_data()`: with --if-empty nothing is loaded when any app says it has data.
"""

from __future__ import annotations

import importlib
import json
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the generated demo dataset (every object marked source=demo)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Same seed, same dataset.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the data is already there (used by `make run`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        modules = {
            app: importlib.import_module(f"kubat.{app}.demo") for app in settings.KUBAT_DEMO_APPS
        }
        if options["if_empty"]:
            loaded = [a for a, m in modules.items() if hasattr(m, "has_data") and m.has_data()]
            if loaded:
                self.stdout.write(f"{', '.join(loaded)} not empty: demo data left as it is")
                return
        report: dict[str, Any] = {}
        with transaction.atomic():
            for app, module in modules.items():
                report[app] = module.load_demo(seed=options["seed"])
        self.stdout.write(json.dumps(report, indent=2))
