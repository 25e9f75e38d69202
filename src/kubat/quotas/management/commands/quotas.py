"""`kubat quotas load-periods | settle | lapse`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from kubat.quotas import allocation, published, services
from kubat.quotas.enums import RequestStatus
from kubat.quotas.models import QuotaRequest


class Command(BaseCommand):
    help = "Quota periods and housekeeping: load the published periods, settle, lapse."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "load-periods", help="Create the published periods (KG 2022-26, KZ 2022-25)."
        )
        sub.add_parser(
            "settle", help="Decide pending requests whose window is due (clients that went away)."
        )
        sub.add_parser(
            "lapse", help="Lapse certificates not cleared within their validity; report per period."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        with transaction.atomic():
            if action == "load-periods":
                created = published.load_periods()
                self.stdout.write(json.dumps({"created": [p.name for p in created]}))
            elif action == "lapse":
                self.stdout.write(json.dumps({"lapsed": services.lapse_uncleared()}))
        if action == "settle":
            decided = 0
            period_ids = set(
                QuotaRequest.objects.filter(status=RequestStatus.PENDING).values_list(
                    "period_id", flat=True
                )
            )
            for period_id in sorted(period_ids):
                with transaction.atomic():
                    decided += allocation.settle_due(period_id=period_id, now=timezone.now())
            self.stdout.write(json.dumps({"decided": decided}))
