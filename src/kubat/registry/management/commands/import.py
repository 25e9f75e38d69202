"""`kubat import FILE`: load locations from CSV or OCPI JSON, all-or-nothing.

The same file rules as POST /api/v1/imports (registry.imports), the size first: a file over
KUBAT_IMPORT_MAX_BYTES exits 2 before it is read.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext

from kubat.core.errors import KubatError
from kubat.registry.enums import Source
from kubat.registry.imports import ImportRejected, import_locations


class Command(BaseCommand):
    help = "Import charging locations from CSV (the export's columns) or OCPI Location JSON."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format", choices=["csv", "json"], help="Default: from the file's extension."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        fmt = options["format"] or path.suffix.lower().lstrip(".")
        if fmt not in {"csv", "json"}:
            raise CommandError(
                gettext("format: cannot tell the format of %(path)s; pass --format")
                % {"path": path},
                returncode=2,
            )
        limit = int(settings.KUBAT_IMPORT_MAX_BYTES)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise CommandError(
                gettext("file: cannot read %(path)s: %(error)s") % {"path": path, "error": exc},
                returncode=2,
            ) from exc
        if size > limit:  # judged from its size, before it is read into memory
            raise CommandError(
                gettext(
                    "file: %(path)s is %(size)s bytes, more than %(limit)s accepted "
                    "(KUBAT_IMPORT_MAX_BYTES)"
                )
                % {"path": path, "size": size, "limit": limit},
                returncode=2,
            )
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                gettext("file: cannot read %(path)s: %(error)s") % {"path": path, "error": exc},
                returncode=2,
            ) from exc
        try:
            with transaction.atomic():
                report = import_locations(text=text, fmt=fmt, source=Source.IMPORT)
        except ImportRejected as exc:
            for rejection in exc.report.rejected:
                self.stderr.write(str(rejection))
            raise CommandError(exc.message, returncode=2) from exc
        except KubatError as exc:
            raise CommandError(f"{exc.field}: {exc.message}", returncode=2) from exc
        self.stdout.write(json.dumps(report.as_dict()))
