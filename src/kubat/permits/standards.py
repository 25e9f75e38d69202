"""Interim check of planned connectors against a country's standard profile.

The registry is getting per-country profiles (registry/standards/KG.json, KZ.json) with a
checker; until it lands, permits keeps this small profile so that submission can refuse a
station the country's uniform standard would not admit. Switch `check_planned_connectors` to
the registry's checker once it exists; the rule it states is the same.

Profile (Kubat's reading of the region, see docs/permits.md): every connector must be one of
the standards in use in the region, and a DC EVSE must offer GB/T DC or CCS2, since most cars
imported into both countries are Chinese-market cars (GB/T) and the rest European (CCS2).
"""

from __future__ import annotations

from collections.abc import Sequence

from kubat.permits.schemas import EvseGroup
from kubat.registry.enums import ConnectorType, PowerType

ALLOWED: dict[str, frozenset[str]] = {
    cc: frozenset(
        {
            ConnectorType.GBT_AC,
            ConnectorType.GBT_DC,
            ConnectorType.IEC_62196_T2,
            ConnectorType.IEC_62196_T2_COMBO,
            ConnectorType.CHADEMO,
            ConnectorType.DOMESTIC_F,
        }
    )
    for cc in ("KG", "KZ")
}
DC_REQUIRED_ANY = frozenset({ConnectorType.GBT_DC, ConnectorType.IEC_62196_T2_COMBO})
DC_ONLY = frozenset({ConnectorType.GBT_DC, ConnectorType.IEC_62196_T2_COMBO, ConnectorType.CHADEMO})


def check_planned_connectors(*, country_code: str, groups: Sequence[EvseGroup]) -> list[str]:
    """Every reason the planned EVSEs break the country's profile; empty when they pass."""
    problems: list[str] = []
    allowed = ALLOWED.get(country_code, frozenset())
    for n, group in enumerate(groups, start=1):
        standards = {str(s) for s in group.standards}
        for standard in sorted(standards - allowed):
            problems.append(f"EVSE group {n}: {standard} is not in the {country_code} profile")
        is_dc = group.power_type == PowerType.DC
        if is_dc and not standards & DC_REQUIRED_ANY:
            problems.append(f"EVSE group {n}: a DC point needs a GB/T DC or CCS2 connector")
        if is_dc and standards - DC_ONLY:
            problems.append(f"EVSE group {n}: an AC connector cannot be on a DC point")
        if not is_dc and standards & DC_ONLY:
            problems.append(f"EVSE group {n}: a DC connector cannot be on an AC point")
    return problems
