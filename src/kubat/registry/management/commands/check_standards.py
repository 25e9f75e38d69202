"""`kubat check-standards`: every location against its country's charging-standard profile."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kubat.core.countries import to_alpha2
from kubat.core.errors import KubatError
from kubat.registry import compliance, selectors, services


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
        now = timezone.now()
        operators: dict[str, compliance.OperatorReport] = {}
        locations: list[dict[str, Any]] = []
        for location in selectors.iter_locations(
            country_code=country, party=party, public_only=False
        ):
            result = compliance.check_location(location, now=now)
            key = location.party.key
            report = operators.setdefault(
                key, compliance.OperatorReport(party=key, name=location.party.name)
            )
            compliance.tally(report, result)
            if result.violations:
                locations.append(
                    {
                        "id": location.pk,
                        "ocpi_id": location.ocpi_id,
                        "party": key,
                        "name": location.name,
                        **result.as_dict(),
                    }
                )
        summary = [r.as_dict() for r in sorted(operators.values(), key=lambda r: r.party)]
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
            raise CommandError(f"{len(locations)} location(s) break the profile", returncode=1)
