"""Dated daily snapshots of the open data, so that a user can cite what it said on a day.

Each snapshot is a directory `<KUBAT_OPEN_DATA_SNAPSHOT_DIR>/YYYY-MM-DD/` holding
`locations.csv`, `locations.geojson` and `datapackage.json` (relative paths, so the package
validates where it lies). It is written into a hidden temporary directory beside the others
and renamed into place in one step, so a reader sees the whole snapshot or none, never a half
written file; writing the same day again replaces it the same way. Snapshots older than
KUBAT_OPEN_DATA_SNAPSHOT_DAYS days are pruned after each write. `kubat open-data-snapshot`
(run daily by `kubat worker`, ops.jobs) does both.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from kubat.registry import datapackage, exchange, selectors

FILES = ("datapackage.json", "locations.csv", "locations.geojson")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Snapshot:
    day: date
    path: Path

    def size(self, name: str) -> int:
        return (self.path / name).stat().st_size


def root() -> Path:
    return Path(settings.KUBAT_OPEN_DATA_SNAPSHOT_DIR)


def write(*, now: datetime | None = None) -> Snapshot:
    """Write today's snapshot (UTC day of `now`) atomically and return it."""
    now = now or timezone.now()
    day = now.astimezone(UTC).date()
    base = root()
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".incoming-", dir=base))
    try:
        with (work / "locations.csv").open("w", encoding="utf-8", newline="") as out:
            for chunk in exchange.stream_csv(selectors.iter_locations(), generated_at=now):
                out.write(chunk)
        with (work / "locations.geojson").open("w", encoding="utf-8") as out:
            for chunk in exchange.stream_geojson(selectors.iter_locations(), generated_at=now):
                out.write(chunk)
        package = datapackage.package(generated_at=now)
        package["kubat_snapshot"] = day.isoformat()
        (work / "datapackage.json").write_text(json.dumps(package, indent=2), encoding="utf-8")
        for name in FILES:
            with (work / name).open("rb") as handle:
                os.fsync(handle.fileno())
        os.chmod(work, 0o755)
        target = base / day.isoformat()
        if target.exists():
            # Replace in two renames: the old day moves aside, the new one takes its name.
            old = Path(tempfile.mkdtemp(prefix=".outgoing-", dir=base))
            os.rename(target, old / "day")
            os.rename(work, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Snapshot(day, target)


def listing() -> list[Snapshot]:
    """Every complete snapshot, newest first (temporary directories are not listed)."""
    base = root()
    if not base.is_dir():
        return []
    days = []
    for entry in base.iterdir():
        if entry.is_dir() and _DAY.match(entry.name):
            try:
                days.append(Snapshot(date.fromisoformat(entry.name), entry))
            except ValueError:
                continue
    return sorted(days, key=lambda s: s.day, reverse=True)


def find(day: date) -> Snapshot | None:
    path = root() / day.isoformat()
    return Snapshot(day, path) if path.is_dir() else None


def prune(*, today: date | None = None, keep_days: int | None = None) -> list[date]:
    """Delete snapshots older than `keep_days` days before `today`; returns the days removed.
    keep_days 1 keeps today's only; 0 or less keeps everything (pruning turned off)."""
    keep = settings.KUBAT_OPEN_DATA_SNAPSHOT_DAYS if keep_days is None else keep_days
    if keep <= 0:
        return []
    today = today or timezone.now().astimezone(UTC).date()
    oldest_kept = today - timedelta(days=keep - 1)
    removed = []
    for snapshot in listing():
        if snapshot.day < oldest_kept:
            shutil.rmtree(snapshot.path)
            removed.append(snapshot.day)
    return sorted(removed)
