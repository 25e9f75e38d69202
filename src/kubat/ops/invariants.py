"""Invariant checks over the whole database: what must hold after a restore (or any day).

- registry: the derived values (national counters, search points, each location's maximum
  power, charging class and EVSE count) equal a rebuild from the rows. The rebuild
  (`registry.services.rebuild_derived`) runs inside a transaction that is rolled back, so
  checking changes nothing;
- quotas: for every period, the audit log's allocated and cleared deltas sum to its balance.

Each check returns a list of problems; empty means it holds.
"""

from __future__ import annotations

from django.db import transaction

from kubat.quotas import audit as quota_audit
from kubat.quotas import selectors as quota_selectors
from kubat.registry import selectors as registry_selectors
from kubat.registry import services as registry_services
from kubat.registry.models import Location, SearchPoint, StatCounter


class _Rollback(Exception):
    pass


def _derived() -> dict[str, object]:
    """Everything the registry derives from its rows, in comparable form."""
    counters = {
        "/".join((row.country_code, row.dimension, row.key)): row.value
        for row in StatCounter.objects.all()
        if row.value
    }
    points = {
        f"search point {loc}/{code}": round(kw, 3)
        for loc, code, kw in SearchPoint.objects.values_list("location_id", "code", "max_kw")
    }
    columns = {
        f"location {pk}": (round(kw, 3), cls, n)
        for pk, kw, cls, n in Location.objects.values_list(
            "pk", "max_power_kw", "charging_class", "evse_count"
        )
    }
    return {**{f"counter {k}": v for k, v in counters.items()}, **points, **columns}


def registry_counters() -> list[str]:
    """Maintained derived values that differ from a rebuild (the rebuild is rolled back)."""
    maintained = _derived()
    rebuilt: dict[str, object] = {}
    try:
        with transaction.atomic():
            registry_services.rebuild_derived()
            rebuilt = _derived()
            raise _Rollback
    except _Rollback:
        pass
    problems = []
    for key in sorted(set(maintained) | set(rebuilt)):
        if maintained.get(key) != rebuilt.get(key):
            problems.append(f"{key}: maintained {maintained.get(key)}, rebuilt {rebuilt.get(key)}")
    return problems[:100]


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
