"""`kubat open-data-snapshot`: write today's dated open-data snapshot, prune the old ones."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from kubat.registry import snapshots


class Command(BaseCommand):
    help = (
        "Write today's open-data snapshot (CSV, GeoJSON, datapackage.json) atomically under "
        "KUBAT_OPEN_DATA_SNAPSHOT_DIR and delete those older than KUBAT_OPEN_DATA_SNAPSHOT_DAYS."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--keep-days",
            type=int,
            default=None,
            help="Days to keep (default KUBAT_OPEN_DATA_SNAPSHOT_DAYS; 0 keeps all).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keep = options["keep_days"]
        if keep is not None and keep < 0:
            raise CommandError(gettext("--keep-days: must be 0 or more"), returncode=2)
        snapshot = snapshots.write()
        removed = snapshots.prune(
            keep_days=settings.KUBAT_OPEN_DATA_SNAPSHOT_DAYS if keep is None else keep
        )
        sizes = ", ".join(f"{name} {snapshot.size(name)} B" for name in snapshots.FILES)
        self.stdout.write(f"snapshot {snapshot.day.isoformat()} at {snapshot.path}: {sizes}")
        if removed:
            self.stdout.write("pruned " + ", ".join(d.isoformat() for d in removed))
