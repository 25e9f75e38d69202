"""`/healthz` (the process answers) and `/readyz` (it can serve: send it traffic).

Both are JSON, need no login and are cheap enough to poll every few seconds: /healthz touches
nothing; /readyz runs one `SELECT 1`, one read of the applied migrations (compared with the
migrations on disk, loaded once per process), on PostgreSQL one catalogue query for the
status-history partitions, and one read of the workers' last beat.

Web readiness is what this process needs to answer requests: the database reachable and every
migration applied (`REQUIRED`). A failing required check answers 503 and is named in
`failing`. The partitions and the worker's heartbeat are reported beside them (`ok`, and
`warnings` names those that are not) but do not take the web out of the load balancer: a web
process serves perfectly while the worker restarts, and taking every web node out because the
worker is down would turn a late job into an outage. KUBAT_READY_REQUIRE_WORKER=true makes the
worker required too (a single-machine deployment that wants one signal).

The probe is anonymous, so it never carries an exception's text (a connection string, a host
name, SQL): a check that raises is reported as "error (see the log)" and the exception is logged
with its traceback.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from kubat.ops.models import WorkerBeat

PARTITION_TABLE = "registry_evsestatusevent"
REQUIRED = ("database", "migrations")
logger = logging.getLogger(__name__)


@functools.cache
def expected_migrations() -> frozenset[tuple[str, str]]:
    """Every migration this code ships (read from disk once: the code cannot change under us)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(loader.disk_migrations)


def applied_migrations() -> set[tuple[str, str]]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return {(app, name) for app, name in cursor.fetchall()}


def _database() -> str | None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def _migrations() -> str | None:
    missing = expected_migrations() - applied_migrations()
    if missing:
        names = ", ".join(f"{app}.{name}" for app, name in sorted(missing)[:5])
        return f"{len(missing)} not applied: {names}"
    return None


def _month_after(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _partitions() -> str | None:
    """PostgreSQL: this month's and next month's status-history partitions exist."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return None
    now = datetime.now(UTC)
    months = [(now.year, now.month), _month_after(now.year, now.month)]
    wanted = {f"{PARTITION_TABLE}_{y:04d}_{m:02d}" for y, m in months}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s AND c.relname = ANY(%s)",
            [PARTITION_TABLE, sorted(wanted)],
        )
        present = {row[0] for row in cursor.fetchall()}
    if missing := sorted(wanted - present):
        return f"missing {', '.join(missing)}: run `kubat ocpi maintain`"
    return None


def _worker() -> str | None:
    limit = settings.KUBAT_READY_WORKER_SECONDS
    if not limit:
        return None
    seen = WorkerBeat.objects.aggregate(at=Max("seen_at"))["at"]
    if seen is None:
        return "no worker has ever run: start `kubat worker`"
    age = (datetime.now(UTC) - seen).total_seconds()
    if age > limit:
        return f"no worker seen for {timedelta(seconds=int(age))} (limit {limit} s)"
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": _database,
    "migrations": _migrations,
    "partitions": _partitions,
    "worker": _worker,
}


def required_checks() -> tuple[str, ...]:
    """The checks whose failure makes /readyz 503 (see the module docstring)."""
    if settings.KUBAT_READY_REQUIRE_WORKER:
        return (*REQUIRED, "worker")
    return REQUIRED


def readiness() -> tuple[bool, dict[str, dict[str, object]]]:
    """Run every check; True when every required one passes. A check that raises fails with
    "error (see the log)" (the exception is logged, never returned), and once the database is
    down the checks that need it are not tried (they would only repeat the same error)."""
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        if name != "database" and results.get("database", {}).get("ok") is False:
            results[name] = {"ok": False, "detail": "database unreachable"}
            continue
        started = time.monotonic()
        try:
            problem = check()
        except Exception:  # a readiness probe reports, it does not crash
            logger.exception("readiness check %s failed", name)
            problem = "error (see the log)"
            connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()
        result: dict[str, object] = {"ok": problem is None}
        if problem:
            result["detail"] = problem
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        results[name] = result
    required = required_checks()
    return all(r["ok"] for n, r in results.items() if n in required), results


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    ok, checks = readiness()
    required = required_checks()
    body: dict[str, object] = {
        "status": "ok" if ok else "fail",
        "checks": checks,
        "required": list(required),
    }
    if not ok:
        body["failing"] = [n for n, r in checks.items() if not r["ok"] and n in required]
    if warnings := [n for n, r in checks.items() if not r["ok"] and n not in required]:
        body["warnings"] = warnings
    return JsonResponse(body, status=200 if ok else 503)
