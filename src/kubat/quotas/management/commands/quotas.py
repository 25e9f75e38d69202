"""`kubat quotas load-periods | add-post | settle | lapse`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from kubat.quotas import allocation, published, services
from kubat.quotas.enums import RequestStatus
from kubat.quotas.identifiers import DECLARATION_NUMBER
from kubat.quotas.models import CustomsPost, QuotaRequest


class Command(BaseCommand):
    help = "Quota periods and housekeeping: load the published periods, settle, lapse."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "load-periods", help="Create the published periods (KG 2022-26, KZ 2022-25)."
        )
        post = sub.add_parser(
            "add-post", help="Create or rename a customs post (its code opens declaration numbers)."
        )
        post.add_argument("code", help="8-digit customs body code")
        post.add_argument("country", help="ISO 3166 alpha-2, e.g. KG")
        post.add_argument("name")
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
            elif action == "add-post":
                code, country = options["code"].strip(), options["country"].strip().upper()
                if not (len(code) == 8 and code.isascii() and code.isdecimal()):
                    raise CommandError(
                        gettext("code: a customs post code has 8 digits"), returncode=2
                    )
                if country not in DECLARATION_NUMBER:
                    raise CommandError(
                        gettext("country: no declaration rules for %(country)s")
                        % {"country": country},
                        returncode=2,
                    )
                row, made = CustomsPost.objects.update_or_create(
                    code=code, defaults={"country_code": country, "name": options["name"]}
                )
                self.stdout.write(json.dumps({"code": row.code, "created": made}))
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
