"""Invariant checks over the whole database: what must hold after a restore (or any day).

- registry: the derived values (national and regional counters, search points and grid cells,
  each location's maximum power, charging class, EVSE count and DC station columns) equal a
  rebuild from the rows. The rebuild (`registry.services.rebuild_derived`) runs inside a
  transaction that is rolled back, so checking changes nothing;
- fleet: the maintained registration counts equal a rebuild from the registrations (rolled
  back the same way);
- quotas: for every period, the audit log's allocated and cleared deltas sum to its balance.

Each check returns a list of problems; empty means it holds.
"""

from __future__ import annotations

from django.db import transaction

from kubat.fleet import services as fleet_services
from kubat.fleet.models import RegistrationCount
from kubat.quotas import audit as quota_audit
from kubat.quotas import selectors as quota_selectors
from kubat.registry import selectors as registry_selectors
from kubat.registry import services as registry_services
from kubat.registry.models import Location, SearchCell, SearchPoint, StatCounter


class _Rollback(Exception):
    pass


def _derived() -> dict[str, object]:
    """Everything the registry derives from its rows, in comparable form."""
    counters = {
        "/".join((row.country_code, row.dimension, row.key)): row.value
        for row in StatCounter.objects.all()
        if row.value
    }
    cells = {
        f"search cell {code}/{y}/{x}": n
        for code, y, x, n in SearchCell.objects.exclude(locations=0).values_list(
            "code", "cell_y", "cell_x", "locations"
        )
    }
    points = {
        f"search point {loc}/{code}": (round(kw, 3), live)
        for loc, code, kw, live in SearchPoint.objects.values_list(
            "location_id", "code", "max_kw", "in_service"
        )
    }
    columns = {
        f"location {pk}": (round(kw, 3), cls, n, std, round(dc_kw, 3), round(dc_max, 3), dc_n)
        for pk, kw, cls, n, std, dc_kw, dc_max, dc_n in Location.objects.values_list(
            "pk",
            "max_power_kw",
            "charging_class",
            "evse_count",
            "dc_standards",
            "dc_kw",
            "dc_max_kw",
            "dc_points",
        )
    }
    return {**{f"counter {k}": v for k, v in counters.items()}, **cells, **points, **columns}


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


def _fleet_counts() -> dict[tuple[str, str, int, str, int, str], int]:
    return {
        (cc, region, year, powertrain, model, source): n
        for cc, region, year, powertrain, model, source, n in RegistrationCount.objects.exclude(
            vehicles=0
        ).values_list(
            "country_code", "region", "year", "powertrain", "model_id", "source", "vehicles"
        )
    }


def fleet_counts() -> list[str]:
    """Maintained registration counts that differ from a rebuild (the rebuild is rolled back)."""
    maintained = _fleet_counts()
    rebuilt: dict[tuple[str, str, int, str, int, str], int] = {}
    try:
        with transaction.atomic():
            fleet_services.rebuild_registration_counts()
            rebuilt = _fleet_counts()
            raise _Rollback
    except _Rollback:
        pass
    return [
        f"registrations {'/'.join(map(str, key))}: maintained {maintained.get(key)}, "
        f"rebuilt {rebuilt.get(key)}"
        for key in sorted(set(maintained) | set(rebuilt))
        if maintained.get(key) != rebuilt.get(key)
    ][:100]


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
    fleet = fleet_counts()
    quotas = quota_audit_sums()
    return {
        "ok": not registry and not fleet and not quotas,
        "registry_counters_equal_rebuild": {
            "ok": not registry,
            "locations": registry_selectors.location_count(),
            "problems": registry,
        },
        "fleet_counts_equal_rebuild": {"ok": not fleet, "problems": fleet},
        "quota_audit_sums_to_balances": {
            "ok": not quotas,
            "periods": quota_selectors.periods().count(),
            "problems": quotas,
        },
    }
