"""Backups taken while the site writes, restored into a fresh database: every table equal to the
snapshot, every invariant holding (registry counters equal a rebuild, the quota audit log sums
to the balances). Real `kubat backup` / `kubat restore` processes on databases of their own."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.procs import Site, database, on_postgres

SEED = """
import datetime as dt
from django.utils import timezone
from kubat.accounts.roles import Role
from kubat.quotas.enums import AllocationRule
from tests.quotas import factories
p = factories.period(volume=100000, opens_at=timezone.now() - dt.timedelta(hours=1),
                     allocation_rule=AllocationRule.STRICT_ORDER)
factories.user("writer", role=Role.CUSTOMS)
print(p.pk)
"""
# Registry and quota writes, each iteration its own transaction, until the stop file appears;
# the count of committed iterations goes to the progress file after each.
WRITER = """
import datetime as dt, pathlib, random
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from kubat.protocols.ocpi.v2_2_1.locations import Location
from kubat.quotas import declarations
from kubat.quotas.enums import Channel
from kubat.quotas.models import QuotaPeriod
from kubat.registry import services
from tests.ocpi.factories import location
from tests.quotas import factories
stop, progress = pathlib.Path("{stop}"), pathlib.Path("{progress}")
user = get_user_model().objects.get(username="writer")
period = QuotaPeriod.objects.get()
party = services.get_or_create_party(country_code="KG", party_id="OPS")
n = 0
while not stop.exists():
    with transaction.atomic():
        services.save_location(party=party, source="api",
            data=Location.model_validate(location(f"W{{n}}", party="KG*OPS")))
        if n % 3 == 0 and n:  # and replace an earlier one: counters move both ways
            services.save_location(party=party, source="api",
                data=Location.model_validate(location(f"W{{n - 3}}", party="KG*OPS",
                    evses=[])))
        declarations.register_declaration(
            user=user, period_id=period.pk, number=factories.number(when=timezone.now()),
            declarant=factories.resident(factories.pin(n)),
            vehicles=factories.vehicles([factories.vin(2 * n), factories.vin(2 * n + 1)]),
            channel=Channel.API)
    n += 1
    progress.write_text(str(n))
"""
COUNT = """
import json
from kubat.registry.models import Location
from kubat.quotas.models import AuditEvent
print(json.dumps([Location.objects.count(), AuditEvent.objects.count()]))
"""


def _progress(path: Path) -> int:
    text = path.read_text() if path.exists() else ""
    return int(text) if text.strip() else 0


def _wait_progress(path: Path, at_least: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (done := _progress(path)) >= at_least:
            return done
        time.sleep(0.05)
    raise AssertionError(f"the writer did not reach {at_least} iterations")


def _tables(url: str) -> dict[str, list[str]]:
    """Every table's rows as sorted text, read independently of kubat.ops.backup."""
    out: dict[str, list[str]] = {}
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        names = [
            n
            for (n,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for name in names:
            out[name] = sorted(repr(r) for r in db.execute(f'SELECT * FROM "{name}"'))
        db.close()
        return out
    import psycopg

    with psycopg.connect(url) as db:
        names = [
            n
            for (n,) in db.execute(
                "SELECT relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
                "WHERE s.nspname = 'public' AND relkind IN ('r', 'p') AND NOT relispartition"
            )
        ]
        for name in names:
            out[name] = sorted(str(r[0]) for r in db.execute(f'SELECT t::text FROM "{name}" t'))
    return out


def test_a_backup_taken_during_writes_restores_whole_and_passes_every_invariant(
    tmp_path: Path, migrated: str
) -> None:
    stop, progress = tmp_path / "stop", tmp_path / "progress"
    with (
        database(tmp_path, "bksrc", template=migrated) as src_url,
        database(tmp_path, "bkdst") as dst_url,
    ):
        source = Site(tmp_path / "src", src_url, KUBAT_BACKUP_DIR=str(tmp_path / "backups"))
        target = Site(tmp_path / "dst", dst_url)
        try:
            source.kubat("shell", "-c", SEED)
            writer = source.spawn(
                "shell",
                "-c",
                WRITER.format(stop=stop, progress=progress),
                log=tmp_path / "writer.log",
            )
            before = _wait_progress(progress, 15)
            backup = Path(source.kubat("backup").stdout.strip())
            after = _progress(progress)
            _wait_progress(progress, after + 5)
            stop.touch()
            assert writer.wait(timeout=60) == 0, (tmp_path / "writer.log").read_text()[-3000:]
            final = source.python(COUNT)
            done = target.kubat("restore", str(backup))
            report = json.loads(done.stdout)
            restored_tables = _tables(dst_url)
        finally:
            source.stop_all()

    manifest = json.loads((backup / "manifest.json").read_text())
    assert after > before, "the backup ran while the writer was committing"
    # The backup is one committed state between the first and the last write it overlapped.
    locations = manifest["tables"]["registry_location"]["rows"]
    assert before <= locations <= after + 1
    assert final[0] > locations  # the writer went on after the backup
    assert manifest["tables"]["quotas_auditevent"]["rows"] < final[1]
    # Every table of the restored database equals the snapshot, row for row.
    assert report["tables_equal_manifest"] is True
    assert report["digests_compared"] is True
    assert set(restored_tables) == set(manifest["tables"])
    for name, rows in restored_tables.items():
        assert len(rows) == manifest["tables"][name]["rows"], name
    if not on_postgres():
        snapshot = _tables(f"sqlite:///{backup / 'database.sqlite3'}")
        assert snapshot == restored_tables
    # And the invariants hold on it.
    invariants = report["invariants"]
    assert invariants["ok"] is True, invariants
    assert invariants["registry_counters_equal_rebuild"]["locations"] == locations
    assert invariants["quota_audit_sums_to_balances"]["periods"] == 1


@pytest.fixture
def backup_site(tmp_path: Path, migrated: str) -> Iterator[Site]:
    with database(tmp_path, "bkone", template=migrated) as url:
        yield Site(tmp_path / "one", url, KUBAT_BACKUP_DIR=str(tmp_path / "backups"))


def test_restore_refuses_a_backup_of_a_newer_schema(tmp_path: Path, backup_site: Site) -> None:
    backup = Path(backup_site.kubat("backup").stdout.strip())
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["migrations"].append("ops.9999_from_the_future")
    (backup / "manifest.json").write_text(json.dumps(manifest))
    with database(tmp_path, "bkfresh") as url:
        fresh = Site(tmp_path / "fresh", url)
        done = fresh.kubat("restore", str(backup), check=False)
        assert done.returncode == 2
        assert "backup: the backup's schema is newer" in done.stderr
        assert "ops.9999_from_the_future" in done.stderr
        # Nothing was written: the fresh database has no table at all.
        tables = fresh.python(
            "import json; from django.db import connection; "
            "print(json.dumps(connection.introspection.table_names()))"
        )
        assert tables == []


def test_restore_refuses_a_corrupt_copy_and_a_database_that_is_not_empty(
    tmp_path: Path, backup_site: Site
) -> None:
    backup = Path(backup_site.kubat("backup").stdout.strip())
    refused = backup_site.kubat("restore", str(backup), check=False)
    assert refused.returncode == 2
    assert "database: the database is not empty" in refused.stderr
    data = next(p for p in backup.iterdir() if p.name.startswith("database."))
    blob = bytearray(data.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    data.write_bytes(bytes(blob))
    corrupt = backup_site.kubat("restore", str(backup), "--replace", check=False)
    assert corrupt.returncode == 2
    assert "does not match the manifest's checksum" in corrupt.stderr


def test_an_older_backup_is_restored_and_brought_up_to_the_codes_schema(
    tmp_path: Path, backup_site: Site
) -> None:
    backup_site.kubat("migrate", "ops", "zero", "-v", "0")
    backup = Path(backup_site.kubat("backup").stdout.strip())
    assert (
        "ops.0001_initial" not in json.loads((backup / "manifest.json").read_text())["migrations"]
    )
    with database(tmp_path, "bkold") as url:
        report = json.loads(Site(tmp_path / "old", url).kubat("restore", str(backup)).stdout)
    assert report["migrations_applied_after_restore"] == ["ops.0001_initial"]
    assert report["invariants"]["ok"] is True
