"""`kubat backup [--dir DIR] [--no-digests]`: a consistent copy of the database with a manifest.

Prints the backup's directory. See kubat.ops.backup for what the manifest holds and why the
copy is consistent while the site keeps writing.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kubat.core.errors import KubatError
from kubat.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup / pg_dump custom format) with a manifest."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dir", type=Path, help="Where to write (default KUBAT_BACKUP_DIR).")
        parser.add_argument(
            "--no-digests",
            action="store_true",
            help="Row counts only: skip the per-table content digests (for very large tables).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = create_backup(directory=options["dir"], digests=not options["no_digests"])
        except KubatError as exc:
            raise CommandError(f"{exc.field}: {exc.message}", returncode=2) from None
        except BackupError as exc:
            raise CommandError(str(exc), returncode=1) from None
        self.stdout.write(str(path))
