"""`kubat fleet import-registrations FILE.csv`, `kubat fleet load-catalogue`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext

from kubat.core.errors import KubatError
from kubat.fleet import services


class Command(BaseCommand):
    help = "Fleet data: import registrations (all-or-nothing), reload the model catalogue."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import-registrations", help="Import a registrations CSV.")
        imp.add_argument("path", type=Path)
        sub.add_parser("load-catalogue", help="Create or update the seeded EV models.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load-catalogue":
            with transaction.atomic():
                self.stdout.write(f"{services.load_catalogue()} catalogue models")
            return
        path: Path = options["path"]
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
                gettext("file: %(path)s is not UTF-8 text (byte %(start)s); save the CSV as UTF-8")
                % {"path": path, "start": exc.start},
                returncode=2,
            ) from None
        try:
            with transaction.atomic():
                report = services.import_registrations(
                    rows=services.parse_registrations_csv(text=text)
                )
        except KubatError as exc:
            raise CommandError(f"{exc.field or 'file'}: {exc.message}", returncode=2) from None
        self.stdout.write(json.dumps({"created": report.created, "rejected": report.rejected}))
        if not report.ok:
            raise CommandError(
                gettext("file: %(count)s line(s) rejected, nothing imported")
                % {"count": len(report.rejected)},
                returncode=2,
            )
