"""`kubat insights import-corridors FILE.geojson`, `load-corridors`, `snapshot`,
`import-candidates FILE.csv`, `site`: the insights maintenance commands.

Bad input exits 2 with one line naming the feature or field; nothing is written then.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext

from kubat.core.errors import KubatError
from kubat.insights import services


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(
            gettext("path: cannot read %(path)s: %(strerror)s")
            % {"path": path, "strerror": exc.strerror},
            returncode=2,
        ) from None
    except UnicodeDecodeError as exc:
        raise CommandError(
            gettext("file: %(path)s is not UTF-8 (byte %(start)s)")
            % {"path": path, "start": exc.start},
            returncode=2,
        ) from None


class Command(BaseCommand):
    help = "Insights data: corridors, candidate sites, supply snapshots and siting runs."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import-corridors", help="Import road lines from GeoJSON.")
        imp.add_argument("path", type=Path)
        sub.add_parser("load-corridors", help="Create or update the shipped main roads.")
        snap = sub.add_parser("snapshot", help="Record this year's supply per region.")
        snap.add_argument("--country", required=True)
        snap.add_argument("--year", type=int, required=True)
        cand = sub.add_parser("import-candidates", help="Candidate sites from a CSV.")
        cand.add_argument("path", type=Path)
        cand.add_argument("--country", required=True)
        cand.add_argument("--batch", required=True)
        site = sub.add_parser("site", help="Solve a siting model and store the run.")
        site.add_argument("--country", required=True)
        site.add_argument("--model", choices=["covering", "p_median"], default="covering")
        site.add_argument("--stations", type=int, default=10, help="Budget N, or p.")
        site.add_argument("--radius-km", type=float, default=30.0)
        site.add_argument("--batch", default=None, help="Uploaded candidates to include.")
        site.add_argument("--time-limit", type=float, default=30.0, help="Seconds for HiGHS.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            with transaction.atomic():
                result = self._run(action, options)
        except KubatError as exc:
            raise CommandError(f"{exc.field or 'input'}: {exc.message}", returncode=2) from None
        self.stdout.write(json.dumps(result, default=str))

    def _run(self, action: str, options: dict[str, Any]) -> Any:
        if action == "import-corridors":
            return services.import_corridors(text=_read(options["path"]))
        if action == "load-corridors":
            return services.load_shipped_corridors()
        if action == "snapshot":
            return {
                "regions": services.record_supply_snapshot(
                    country=options["country"], year=options["year"]
                )
            }
        if action == "import-candidates":
            return services.import_candidates(
                text=_read(options["path"]), country=options["country"], batch=options["batch"]
            )
        run = services.run_siting(
            country=options["country"],
            model=options["model"],
            stations=options["stations"],
            radius_km=options["radius_km"],
            batch=options["batch"],
            time_limit_s=options["time_limit"],
        )
        return {"run": run.pk, "greedy": run.result["greedy"], "milp": run.result["milp"]}
