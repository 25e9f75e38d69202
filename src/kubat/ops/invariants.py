"""Invariant checks over the whole database: what must hold after a restore (or any day).

- registry: the national counters (StatCounter) equal a rebuild from the location rows. The
  rebuild runs inside a transaction that is rolled back, so checking changes nothing;
- quotas: for every period, the audit log's allocated and cleared deltas sum to its balance.

Each check returns a list of problems; empty means it holds.
"""

from __future__ import annotations

from django.db import transaction

from kubat.quotas import audit as quota_audit
from kubat.quotas import selectors as quota_selectors
from kubat.registry import selectors as registry_selectors
from kubat.registry import services as registry_services
from kubat.registry.models import StatCounter

CounterKey = tuple[str, str, str]


class _Rollback(Exception):
    pass


def _counters() -> dict[CounterKey, int]:
    return {
        (row.country_code, row.dimension, row.key): row.value
        for row in StatCounter.objects.all()
        if row.value
    }


def registry_counters() -> list[str]:
    """Maintained counters that differ from a rebuild (the rebuild is rolled back)."""
    maintained = _counters()
    rebuilt: dict[CounterKey, int] = {}
    try:
        with transaction.atomic():
            registry_services.rebuild_stats()
            rebuilt = _counters()
            raise _Rollback
    except _Rollback:
        pass
    problems = []
    for key in sorted(set(maintained) | set(rebuilt)):
        if maintained.get(key, 0) != rebuilt.get(key, 0):
            problems.append(
                f"counter {'/'.join(key)}: maintained {maintained.get(key, 0)}, "
                f"rebuilt {rebuilt.get(key, 0)}"
            )
    return problems


def quota_audit_sums() -> list[str]:
    """Periods whose balance differs from the sum of their audit log."""
    problems = []
    for period in quota_selectors.periods():
        logged = quota_audit.balance_from_audit(period=period)
        balance = period.balance
        if logged != {"allocated": balance.allocated, "cleared": balance.cleared}:
            problems.append(
                f"period {period.name}: balance allocated {balance.allocated} cleared "
                f"{balance.cleared}, audit log {logged}"
            )
    return problems


def check_all() -> dict[str, object]:
    """Every check with its problems, and the figures it looked at."""
    registry = registry_counters()
    quotas = quota_audit_sums()
    return {
        "ok": not registry and not quotas,
        "registry_counters_equal_rebuild": {
            "ok": not registry,
            "locations": registry_selectors.location_count(),
            "problems": registry,
        },
        "quota_audit_sums_to_balances": {
            "ok": not quotas,
            "periods": quota_selectors.periods().count(),
            "problems": quotas,
        },
    }
