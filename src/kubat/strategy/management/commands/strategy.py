"""`kubat strategy report --quarter 2026Q4`, `notify-overdue`, `import-energy FILE.csv`.

Bad input exits 2 with one line naming the field; nothing is written then. An energy file
with any wrong row is rejected whole, every wrong row listed.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext

from kubat.core.errors import KubatError
from kubat.strategy import reports, services


class Command(BaseCommand):
    help = "The strategy desk: quarterly reports, overdue notices, operators' energy uploads."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="Generate and keep a quarterly report (CSV, PDF).")
        report.add_argument("--quarter", required=True, help="e.g. 2026Q4")
        sub.add_parser("notify-overdue", help="E-mail the owners of overdue actions (once).")
        energy = sub.add_parser("import-energy", help="Monthly kWh per location from a CSV.")
        energy.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            with transaction.atomic():
                if action == "report":
                    kept = reports.generate_quarterly(quarter=options["quarter"])
                    self.stdout.write(
                        f"report {kept.quarter} kept as #{kept.pk}: "
                        f"/strategy/reports/{kept.pk}.csv and .pdf"
                    )
                elif action == "notify-overdue":
                    self.stdout.write(f"{services.notify_overdue()} overdue action(s) notified")
                else:
                    self._energy(options["path"])
        except KubatError as exc:
            raise CommandError(f"{exc.field or 'input'}: {exc.message}", returncode=2) from None

    def _energy(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
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
        result = services.import_energy(text=text)
        if result.rejected:
            for line, reason in result.rejected:
                self.stderr.write(
                    gettext("row %(row)s: %(reason)s") % {"row": line, "reason": reason}
                )
            first = result.rejected[0]
            raise CommandError(
                gettext("row %(row)s: %(reason)s (%(count)s row(s) rejected, none saved)")
                % {"row": first[0], "reason": first[1], "count": len(result.rejected)},
                returncode=2,
            )
        self.stdout.write(f"{result.saved} monthly figure(s) saved")
