"""Backups with a manifest, and restores that check it.

A backup is a directory `kubat-<UTC time>/` holding the database copy and `manifest.json`:
the time, the engine, the schema version (every applied migration), each table's row count and
content digest as of the copy, and the copy's SHA-256.

Consistency: on SQLite the online backup API copies the database in one step under a read
lock, so the copy is one committed state however many writers are busy; the counts and digests
are then read from the copy itself. On PostgreSQL a REPEATABLE READ transaction exports its
snapshot, the counts and digests are read in it and `pg_dump --snapshot` dumps exactly that
snapshot (custom format), so the manifest describes precisely the rows in the dump.

A restore refuses a backup whose schema is newer than the code (a migration this code does
not have), a corrupt copy (checksum) and, unless told to replace it, a database that is not
empty. It then restores, compares every table's count and digest with the manifest, applies
the code's newer migrations (an older backup is brought up to date) and runs the invariant
checks (kubat.ops.invariants).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext

from kubat.core.errors import Conflict, InvalidInput
from kubat.ops import invariants

FORMAT = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"


class BackupError(Exception):
    """A backup or restore that failed for a reason other than bad input (a tool, a check)."""


@dataclass(frozen=True, slots=True)
class TableState:
    rows: int
    digest: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- reading tables ----------------------------------------------------------------------------


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [name for (name,) in rows]


def _sqlite_state(db: sqlite3.Connection, *, digests: bool) -> dict[str, TableState]:
    """Count and digest of every table: the digest hashes the rows sorted by their repr."""
    out = {}
    for table in _sqlite_tables(db):
        quoted = '"' + table.replace('"', '""') + '"'
        if not digests:
            (count,) = db.execute(f"SELECT count(*) FROM {quoted}").fetchone()
            out[table] = TableState(count, "")
            continue
        rows = sorted(repr(row) for row in db.execute(f"SELECT * FROM {quoted}"))
        digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        out[table] = TableState(len(rows), digest)
    return out


def _pg_tables(cursor: Any) -> list[str]:
    """Ordinary and partitioned tables of the schema; partitions are counted in their parent."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
        "AND NOT c.relispartition ORDER BY c.relname"
    )
    return [name for (name,) in cursor.fetchall()]


def _pg_state(cursor: Any, *, digests: bool) -> dict[str, TableState]:
    """Count and digest of every table, computed by the server (md5 of the sorted row texts)."""
    out = {}
    for table in _pg_tables(cursor):
        quoted = '"' + table.replace('"', '""') + '"'
        if digests:
            cursor.execute(
                f"SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') "
                f"FROM {quoted} t"
            )
        else:
            cursor.execute(f"SELECT count(*), '' FROM {quoted}")
        count, digest = cursor.fetchone()
        out[table] = TableState(int(count), str(digest))
    return out


def _applied(rows: Iterable[tuple[str, str]]) -> list[str]:
    return sorted(f"{app}.{name}" for app, name in rows)


# --- PostgreSQL connection details -------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    """libpq variables for pg_dump/pg_restore: the password never appears on a command line."""
    db = settings.DATABASES[DEFAULT_DB_ALIAS]
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _pg_connect(**kwargs: Any) -> Any:
    import psycopg

    db = settings.DATABASES[DEFAULT_DB_ALIAS]
    return psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname=db["NAME"],
        **kwargs,
    )


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            gettext("%(name)s not found: install postgresql-client (`make pg-client`)")
            % {"name": name}
        )
    return path


# --- backup ------------------------------------------------------------------------------------


def _backup_sqlite(out: Path, *, digests: bool) -> tuple[list[str], dict[str, TableState]]:
    target = out / SQLITE_FILE
    source = sqlite3.connect(str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]), timeout=60)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: the whole database in one step, one committed state
    finally:
        source.close()
    try:
        applied = _applied(copy.execute("SELECT app, name FROM django_migrations"))
        return applied, _sqlite_state(copy, digests=digests)
    finally:
        copy.close()


def _backup_postgres(out: Path, *, digests: bool) -> tuple[list[str], dict[str, TableState]]:
    import psycopg

    pg_dump = _tool("pg_dump")
    with _pg_connect() as db:
        db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        db.read_only = True
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = _applied(cursor.fetchall())
            state = _pg_state(cursor, digests=digests)
            # The exporting transaction stays open until pg_dump has dumped its snapshot.
            done = subprocess.run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-owner",
                    f"--file={out / PG_FILE}",
                ],
                env=_pg_env(),
                capture_output=True,
                text=True,
            )
        db.rollback()
    if done.returncode != 0:
        raise BackupError(gettext("pg_dump failed: %(stderr)s") % {"stderr": done.stderr.strip()})
    return applied, state


def create_backup(*, directory: Path | None = None, digests: bool = True) -> Path:
    """Write a backup directory under `directory` (default KUBAT_BACKUP_DIR); returns its path.

    Written to a `.partial` directory and renamed when complete, so a crash never leaves
    something that looks like a backup.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    root = Path(directory or settings.KUBAT_BACKUP_DIR)
    root.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    final = root / f"kubat-{now:%Y%m%dT%H%M%S%fZ}"
    partial = final.with_name(final.name + ".partial")
    partial.mkdir()
    try:
        if connection.vendor == "sqlite":
            applied, state = _backup_sqlite(partial, digests=digests)
            data = partial / SQLITE_FILE
        elif connection.vendor == "postgresql":
            applied, state = _backup_postgres(partial, digests=digests)
            data = partial / PG_FILE
        else:
            raise InvalidInput(
                gettext("cannot back up a %(vendor)s database") % {"vendor": connection.vendor},
                field="database",
            )
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "engine": connection.vendor,
            "database": str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]).rsplit("/", 1)[-1],
            "django": django.get_version(),
            "migrations": applied,
            "digests": digests,
            "tables": {name: {"rows": t.rows, "digest": t.digest} for name, t in state.items()},
            "file": data.name,
            "bytes": data.stat().st_size,
            "sha256": _sha256(data),
        }
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


# --- restore -----------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    path = source / "manifest.json"
    if not path.is_file():
        raise InvalidInput(
            gettext("%(source)s has no manifest.json: not a Kubat backup") % {"source": source},
            field="backup",
        )
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            gettext("manifest.json is not JSON: %(error)s") % {"error": exc}, field="backup"
        ) from None
    if manifest.get("format") != FORMAT:
        raise InvalidInput(
            gettext("unknown backup format %(format)r") % {"format": manifest.get("format")},
            field="backup",
        )
    return manifest


def newer_migrations(manifest: dict[str, Any]) -> list[str]:
    """Migrations in the backup that this code does not have: its schema is newer."""
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    return sorted(set(manifest["migrations"]) - known)


def _current_state(*, digests: bool) -> dict[str, TableState]:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "sqlite":
        db = sqlite3.connect(str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]))
        try:
            return _sqlite_state(db, digests=digests)
        finally:
            db.close()
    with _pg_connect() as db, db.cursor() as cursor:
        return _pg_state(cursor, digests=digests)


def _is_empty() -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _restore_sqlite(data: Path) -> None:
    connections[DEFAULT_DB_ALIAS].close()
    target = str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])
    source = sqlite3.connect(data)
    copy = sqlite3.connect(target, timeout=60)
    try:
        source.backup(copy)  # replaces the target's content entirely, in one step
    finally:
        source.close()
        copy.close()


def _restore_postgres(data: Path, *, replace: bool) -> None:
    pg_restore = _tool("pg_restore")
    connection = connections[DEFAULT_DB_ALIAS]
    if replace:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()
    done = subprocess.run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={settings.DATABASES[DEFAULT_DB_ALIAS]['NAME']}",
            str(data),
        ],
        env=_pg_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(
            gettext("pg_restore failed: %(stderr)s") % {"stderr": done.stderr.strip()}
        )


def restore_backup(*, source: Path, replace: bool = False) -> dict[str, Any]:
    """Restore `source` into the configured database; returns the report (see module doc).

    Raises InvalidInput (not a backup, corrupt, another engine), Conflict (a newer schema, a
    database that is not empty without `replace`) before anything is written; BackupError when
    a tool fails or the restored tables differ from the manifest.
    """
    manifest = read_manifest(source)
    connection = connections[DEFAULT_DB_ALIAS]
    if manifest["engine"] != connection.vendor:
        raise InvalidInput(
            gettext("a %(engine)s backup cannot be restored into %(vendor)s")
            % {"engine": manifest["engine"], "vendor": connection.vendor},
            field="backup",
        )
    data = source / str(manifest["file"])
    if not data.is_file() or _sha256(data) != manifest["sha256"]:
        raise InvalidInput(
            gettext("%(name)s does not match the manifest's checksum") % {"name": data.name},
            field="backup",
        )
    if newer := newer_migrations(manifest):
        raise Conflict(
            gettext(
                "the backup's schema is newer than this Kubat (%(count)s unknown "
                "migrations: %(newer)s); restore it with the Kubat that made it"
            )
            % {"count": len(newer), "newer": ", ".join(newer[:5])},
            field="backup",
        )
    if not replace and not _is_empty():
        raise Conflict(
            gettext("the database is not empty: restore into a fresh one, or --replace"),
            field="database",
        )
    if connection.vendor == "sqlite":
        _restore_sqlite(data)
    else:
        _restore_postgres(data, replace=replace)
    digests = bool(manifest.get("digests"))
    restored = _current_state(digests=digests)
    expected = {name: TableState(t["rows"], t["digest"]) for name, t in manifest["tables"].items()}
    differing = sorted(
        name for name in set(expected) | set(restored) if expected.get(name) != restored.get(name)
    )
    if differing:
        raise BackupError(
            gettext("restored tables differ from the manifest: %(differing)s")
            % {"differing": ", ".join(differing)}
        )
    applied_before = set(manifest["migrations"])
    call_command("migrate", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        migrated = sorted(set(_applied(cursor.fetchall())) - applied_before)
    return {
        "restored": str(source),
        "created_at": manifest["created_at"],
        "tables": len(restored),
        "rows": sum(t.rows for t in restored.values()),
        "tables_equal_manifest": True,
        "digests_compared": digests,
        "migrations_applied_after_restore": migrated,
        "invariants": invariants.check_all(),
    }
