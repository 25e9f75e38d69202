"""`kubat restore BACKUP_DIR [--replace]`: restore a `kubat backup` into the configured database.

Refuses (exit 2, nothing written) a backup of a newer schema, a corrupt one, one of another
engine, or a non-empty database without --replace. Prints a JSON report: tables and rows
compared with the manifest, migrations applied after the restore, the invariant checks. Exit 1
when a check fails.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from kubat.core.errors import KubatError
from kubat.ops.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by `kubat backup` (refuses a newer schema)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("backup", type=Path, help="The backup's directory.")
        parser.add_argument(
            "--replace", action="store_true", help="Replace a database that is not empty."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = restore_backup(source=options["backup"], replace=options["replace"])
        except KubatError as exc:
            raise CommandError(f"{exc.field}: {exc.message}", returncode=2) from None
        except BackupError as exc:
            raise CommandError(str(exc), returncode=1) from None
        self.stdout.write(json.dumps(report, indent=2))
        if not report["invariants"]["ok"]:
            raise CommandError(gettext("restored, but an invariant check failed (see the report)"))
