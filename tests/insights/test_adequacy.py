"""Adequacy rules: the fleet-based need (AFIR factors, from the profile) against supply."""

import pytest

from kubat.insights import adequacy, selectors
from kubat.insights.rules import rules_for
from tests.insights.factories import register, station


def test_need_follows_the_profile_factors_1000_bevs_and_100_phevs_need_1380_kw():
    factors = rules_for("KG").kw_per_vehicle
    assert factors["BEV"] == 1.3
    assert factors["PHEV"] == 0.8
    assert adequacy.need_kw({"BEV": 1000, "PHEV": 100}, kw_per_vehicle=factors) == 1380.0
    assert adequacy.need_kw({"HEV": 500}, kw_per_vehicle=factors) == 0.0


def test_profile_still_loads_with_the_insights_key():
    from kubat.registry import compliance

    profile = compliance.load_profile("KZ")
    assert profile is not None
    assert "GBT_DC" in profile.dc_must_offer_any
    assert rules_for("KZ").corridor.max_gap_km == 60


@pytest.mark.django_db
def test_planned_removed_and_unpublished_evses_are_not_supply():
    register(1000, region="Chuy", on="2025-03-01")
    register(100, make="BYD", model="Song Plus DM-i", powertrain="PHEV", region="Chuy")
    station(
        "A",
        region="Chuy",
        points=[
            ("GBT_DC", 120, "AVAILABLE"),
            ("GBT_DC", 60, "CHARGING"),
            ("GBT_AC", 22, "OUTOFORDER"),
            ("GBT_DC", 150, "PLANNED"),
            ("GBT_DC", 90, "REMOVED"),
        ],
    )
    station("B", region="Chuy", points=[("GBT_DC", 500, "AVAILABLE")], publish=False)
    report = selectors.adequacy_for(country="KG", year=2025)
    (row,) = report["regions"]
    assert row["bev"] == 1000
    assert row["phev"] == 100
    assert row["need_kw"] == 1380.0
    assert row["installed_kw"] == 202.0  # 120 + 60 + 22: not the planned, removed or hidden
    assert row["points"] == 3
    assert row["dc_kw"] == 180.0
    assert row["dc_share_kw"] == round(180 / 202, 3)
    assert row["pipeline_kw"] == 150.0
    assert row["gap_kw"] == 1178.0
    assert row["evs_per_point"] == round(1100 / 3, 1)
    assert report["totals"]["need_kw"] == 1380.0


@pytest.mark.django_db
def test_trend_counts_the_fleet_cumulatively_and_leaves_unknown_supply_unknown():
    register(100, region="Chuy", on="2023-02-01")
    register(200, region="Chuy", on="2024-02-01")
    station("A", region="Chuy", points=[("GBT_DC", 100, "AVAILABLE")])
    report = selectors.adequacy_for(country="KG", year=2024)
    trend = {t["year"]: t for t in report["trend"]}
    assert trend[2023]["bev"] == 100
    assert trend[2023]["need_kw"] == 130.0
    assert trend[2023]["installed_kw"] is None  # no snapshot of 2023
    assert trend[2024]["need_kw"] == 390.0
    assert trend[2024]["gap_kw"] == 290.0


@pytest.mark.django_db
def test_regions_match_across_spellings():
    register(10, region="Karaganda", country="KZ")
    station(
        "K1",
        region="Karaganda Region",
        party="KZ*TST",
        country="KAZ",
        points=[("GBT_DC", 60, "AVAILABLE")],
    )
    report = selectors.adequacy_for(country="KAZ", year=2025)
    assert len(report["regions"]) == 1
    assert report["regions"][0]["installed_kw"] == 60.0
    assert report["regions"][0]["bev"] == 10
