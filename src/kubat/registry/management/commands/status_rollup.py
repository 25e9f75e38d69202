"""`kubat status-rollup`: fold new status events into the reliability rollups (registry.rollups)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from kubat.registry import rollups


class Command(BaseCommand):
    help = (
        "Fold the status events received since the last run into the per-day and per-month "
        "rollups; --settle also counts each EVSE's time since its last report up to the last "
        "whole hour; --rebuild recomputes every rollup from the raw events."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--settle", action="store_true", help="Settle tails to the hour.")
        parser.add_argument(
            "--rebuild", action="store_true", help="Recompute everything from the raw events."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: dict[str, int] = {}
        if options["rebuild"]:
            with transaction.atomic():
                out["events_read"] = rollups.rebuild_status_rollups()
        else:
            out["events_folded"] = rollups.fold_status_events()
        if options["settle"]:
            out["evses_settled"] = rollups.settle_status_rollups()
        self.stdout.write(json.dumps(out))
