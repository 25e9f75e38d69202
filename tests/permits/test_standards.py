"""Planned connectors are checked against the country's standard profile at submission."""

from __future__ import annotations

from kubat.permits.schemas import EvseGroup
from kubat.permits.standards import check_planned_connectors


def _group(power_type: str, *standards: str) -> EvseGroup:
    return EvseGroup(count=1, power_type=power_type, max_kw=60, standards=list(standards))  # type: ignore[arg-type]


def test_a_ccs2_only_fast_station_passes_in_kazakhstan_but_not_in_kyrgyzstan() -> None:
    ccs2_only = [_group("DC", "IEC_62196_T2_COMBO")]
    assert check_planned_connectors(country_code="KZ", groups=ccs2_only) == []
    assert check_planned_connectors(country_code="KG", groups=ccs2_only) == [
        "a station with DC charging must offer one of GBT_DC"
    ]


def test_a_dual_gun_gbt_and_ccs2_station_passes_everywhere() -> None:
    dual = [_group("DC", "GBT_DC", "IEC_62196_T2_COMBO"), _group("AC_3_PHASE", "IEC_62196_T2")]
    for country in ("KG", "KZ"):
        assert check_planned_connectors(country_code=country, groups=dual) == []


def test_connectors_outside_the_profile_and_mixed_points_are_named() -> None:
    problems = check_planned_connectors(
        country_code="KG", groups=[_group("AC_1_PHASE", "TESLA_S", "GBT_DC")]
    )
    assert "EVSE group 1: TESLA_S is not in the KG profile" in problems
    assert "EVSE group 1: a DC connector cannot be on an AC point" in problems
