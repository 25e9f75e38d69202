"""Compatibility rules: a car fast-charges where one of its DC inlets is offered in service."""

import pytest

from kubat.insights import selectors
from tests.insights.factories import register, station


@pytest.mark.django_db
def test_gbt_only_region_with_30_percent_ccs2_cars_serves_70_percent():
    register(70, make="BYD", model="Atto 3", region="Naryn")
    register(30, make="Tesla", model="Model 3", region="Naryn")
    station("N1", region="Naryn", points=[("GBT_DC", 60, "AVAILABLE")])
    station(
        "N2", region="Naryn", points=[("GBT_DC", 120, "AVAILABLE"), ("GBT_AC", 22, "AVAILABLE")]
    )
    report = selectors.compatibility_for(country="KG")
    (naryn,) = report["regions"]
    assert naryn["vehicles"] == 100
    assert naryn["served_share"] == 0.7
    assert naryn["dc_stations"] == 2
    assert [(c["cohort"], c["vehicles"]) for c in naryn["left_out"]] == [("IEC_62196_T2_COMBO", 30)]
    served = {c["cohort"]: c["stations"] for c in naryn["cohorts"]}
    assert served["GBT_DC"] == 2
    assert {s["share_of_region"] for s in naryn["stations"]} == {0.7}
    best = report["best_additions"][0]
    assert best["add_standard"] == "IEC_62196_T2_COMBO"
    assert best["newly_served_in_region"] == 30


@pytest.mark.django_db
def test_planned_dc_points_and_cars_without_dc_inlet_do_not_count_as_served():
    register(10, make="Tesla", model="Model Y", region="Talas")
    register(5, make="BYD", model="Song Plus DM-i", powertrain="PHEV", region="Talas")
    station("T1", region="Talas", points=[("IEC_62196_T2_COMBO", 150, "PLANNED")])
    (talas,) = selectors.compatibility_for(country="KG")["regions"]
    assert talas["dc_stations"] == 0
    assert talas["served_share"] == 0.0
    assert {c["cohort"] for c in talas["left_out"]} == {"IEC_62196_T2_COMBO", "none"}
