"""`kubat demo`: build the generated demo dataset of every domain, in one transaction.

Each domain app that has demo data exposes `kubat.<app>.demo.load_demo(*, seed: int)` returning
counts of what it created; they run in dependency order (the registry first).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_APPS = ["registry", "fleet", "quotas", "permits", "ocpi", "insights"]


class Command(BaseCommand):
    help = "Load the generated demo dataset (every object marked source=demo)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Same seed, same dataset.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the registry already holds locations (used by `make run`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from kubat.registry import selectors

        if options["if_empty"] and selectors.location_count() > 0:
            self.stdout.write("registry not empty: demo data left as it is")
            return
        report: dict[str, Any] = {}
        with transaction.atomic():
            for app in DEMO_APPS:
                module_name = f"kubat.{app}.demo"
                if importlib.util.find_spec(module_name) is None:
                    continue
                module = importlib.import_module(module_name)
                report[app] = module.load_demo(seed=options["seed"])
        self.stdout.write(json.dumps(report, indent=2))
