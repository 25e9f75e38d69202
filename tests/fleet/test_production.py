"""Domestic production per maker, model and year against plan, with exports by destination."""

from __future__ import annotations

import pytest

from kubat.core.errors import InvalidInput
from kubat.fleet import demo, services

pytestmark = pytest.mark.django_db

JAC = "JAC Motors partnership (Kazakhstan)"


def test_kazakhstan_plan_is_published_for_2021_and_2022():
    report = {r["year"]: r for r in services.production_report(country_code="KAZ")}
    assert (report[2021]["planned_units"], report[2022]["planned_units"]) == (1200, 2000)
    assert report[2021]["produced_units"] is None  # not published
    assert report[2021]["attainment_pct"] is None


def test_production_per_model_sums_against_the_maker_plan_with_exports_by_destination(client):
    services.record_production(
        country_code="KZ",
        year=2021,
        maker=JAC,
        model="iEV7S",
        planned_units=None,
        produced_units=500,
        home_market_units=400,
        exports={"KG": 80, "UZB": 20},
    )
    services.record_production(
        country_code="KZ",
        year=2021,
        maker=JAC,
        model="iEVS4",
        planned_units=None,
        produced_units=400,
        home_market_units=350,
        exports={"KG": 50},
    )
    row = next(r for r in services.production_report(country_code="KZ") if r["year"] == 2021)
    assert (row["planned_units"], row["produced_units"], row["attainment_pct"]) == (1200, 900, 75.0)
    assert (row["home_market_units"], row["exported_units"]) == (750, 150)
    assert row["exports"] == [
        {"country_code": "KG", "units": 130},
        {"country_code": "UZ", "units": 20},
    ]
    assert [m["model"] for m in row["models"]] == ["iEV7S", "iEVS4"]
    api = client.get("/api/v1/fleet/production", {"country": "KZ"}).json()
    assert next(r for r in api if r["year"] == 2021)["exported_units"] == 150
    page = client.get("/fleet/").content.decode()
    assert "75.0 %" in page
    assert "iEVS4" in page


def test_exports_cannot_exceed_production_or_go_home():
    with pytest.raises(InvalidInput) as caught:
        services.record_production(
            country_code="KZ",
            year=2022,
            maker=JAC,
            model="iEV7S",
            planned_units=None,
            produced_units=10,
            home_market_units=8,
            exports={"KG": 5},
        )
    assert caught.value.field == "exports"
    with pytest.raises(InvalidInput) as caught:
        services.record_production(
            country_code="KZ",
            year=2022,
            maker=JAC,
            planned_units=None,
            produced_units=10,
            exports={"KZ": 1},
        )
    assert caught.value.field == "exports"


def test_demo_production_follows_the_domestic_registrations():
    counts = demo.load_demo(seed=1)
    assert counts["production_rows"] >= 2
    rows = {r["year"]: r for r in services.production_report(country_code="KZ")}
    assert rows[2021]["planned_units"] == 1200
    assert (
        rows[2021]["produced_units"]
        == rows[2021]["home_market_units"] + rows[2021]["exported_units"]
    )
