"""`kubat check-standards`: every location against its country's charging-standard profile."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from kubat.core.countries import to_alpha2
from kubat.core.errors import KubatError
from kubat.registry import selectors, services


class Command(BaseCommand):
    help = (
        "List every violation of the country charging-standard profiles, per location and operator."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--country", help="Only this country (alpha-2 or alpha-3).")
        parser.add_argument("--operator", help="Only this party, e.g. KG*ECH.")
        parser.add_argument(
            "--json", action="store_true", help="One JSON document instead of text."
        )
        parser.add_argument(
            "--strict", action="store_true", help="Exit 1 when any location breaks a rule."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            country = to_alpha2(options["country"]) if options["country"] else None
            party = services.get_party(key=options["operator"]) if options["operator"] else None
        except KubatError as exc:
            raise CommandError(f"{exc.field}: {exc.message}", returncode=2) from exc
        report = selectors.compliance_report(country_code=country, party=party, public_only=False)
        summary = [r.as_dict() for r in report.operators]
        locations = report.failing
        if options["json"]:
            self.stdout.write(json.dumps({"operators": summary, "locations": locations}, indent=2))
        else:
            for item in locations:
                for v in item["violations"]:
                    where = f" EVSE {v['evse_uid']}" if v["evse_uid"] else ""
                    self.stdout.write(
                        f"{item['party']} {item['ocpi_id']}{where}: [{v['rule']}] {v['message']}"
                    )
            for r in summary:
                self.stdout.write(
                    f"{r['party']} {r['name']}: {r['compliant']}/{r['locations']} compliant"
                    + "".join(f", {rule} {n}" for rule, n in r["violations_by_rule"].items())
                )
        if options["strict"] and locations:
            raise CommandError(
                gettext("%(count)s location(s) break the profile") % {"count": len(locations)},
                returncode=1,
            )
