"""`kubat permits tick [--now ISO-8601]`: apply permit deadlines (run it on a schedule).

Idempotent: a deemed approval is deemed once and an escalation is sent once, however often
the tick runs. `--now` sets the clock (for tests, demos and catching up after downtime).
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kubat.permits import clock


def _moment(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--now {text!r} is not an ISO 8601 date-time", returncode=2) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Permit cases: `tick` deems silent approvals given and escalates overdue ones."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        tick = sub.add_parser("tick", help="Apply deadlines as of now (or --now).")
        tick.add_argument("--now", help="The clock, e.g. 2026-11-30T09:00:00Z (UTC if no zone).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "tick":
            now = _moment(options["now"]) if options.get("now") else None
            with transaction.atomic():
                report = clock.tick(now=now)
            self.stdout.write(json.dumps(report.as_dict()))
