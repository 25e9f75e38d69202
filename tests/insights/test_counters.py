"""The live adequacy and compatibility answers, read from the counters the registry and the
fleet maintain, equal the same answers computed by scanning the rows."""

from __future__ import annotations

import random

import pytest

from kubat.insights import selectors, sources
from tests.insights.factories import register, station

STANDARDS = [
    ("GBT_DC", 60.0),
    ("GBT_DC", 120.0),
    ("IEC_62196_T2_COMBO", 150.0),
    ("CHADEMO", 50.0),
    ("GBT_AC", 22.0),
    ("IEC_62196_T2", 11.0),
]
STATUSES = ["AVAILABLE", "CHARGING", "OUTOFORDER", "PLANNED", "REMOVED"]
MODELS = [
    ("BYD", "Atto 3", "BEV"),
    ("Tesla", "Model 3", "BEV"),
    ("BYD", "Song Plus DM-i", "PHEV"),
    ("Nissan", "Leaf", "BEV"),
    ("Unknown", "Prototype", "BEV"),
]
REGIONS = ["Chuy", "Bishkek", "Naryn", "Osh", "Osh Region"]


def _seed(rng: random.Random) -> None:
    for i in range(30):
        points = [(*rng.choice(STANDARDS), rng.choice(STATUSES)) for _ in range(rng.randint(1, 4))]
        station(
            f"S{i}",
            region=rng.choice(REGIONS),
            points=points,
            publish=rng.random() < 0.85,
            lat=40.5 + rng.random() * 2,
            lon=72.5 + rng.random() * 3,
        )
    for _ in range(25):
        make, model, powertrain = rng.choice(MODELS)
        register(
            rng.randint(1, 20),
            make=make,
            model=model,
            powertrain=powertrain,
            region=rng.choice(REGIONS),
            on=f"{rng.randint(2021, 2026)}-0{rng.randint(1, 9)}-15",
            source="demo" if rng.random() < 0.05 else "import",
        )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_adequacy_from_counters_equals_adequacy_from_rows(seed: int) -> None:
    _seed(random.Random(seed))
    live = selectors.adequacy_for(country="KG")
    assert live["totals"]["installed_kw"] > 0
    assert live == selectors.adequacy_for(country="KG", from_rows=True)
    assert selectors.adequacy_for(country="KG", year=2023) == selectors.adequacy_for(
        country="KG", year=2023, from_rows=True
    )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compatibility_from_counters_equals_compatibility_from_rows(seed: int) -> None:
    _seed(random.Random(seed))
    for top, per_region in ((10, 50), (3, 2), (100, None)):
        live = selectors.compatibility_for(
            country="KG", top_additions=top, stations_per_region=per_region
        )
        assert live["served_vehicles"] > 0
        assert live == selectors.compatibility_for(
            country="KG", top_additions=top, stations_per_region=per_region, from_rows=True
        )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dc_stations_from_location_columns_equal_dc_stations_from_connectors(seed: int) -> None:
    _seed(random.Random(seed))
    box = (41.0, 73.0, 42.0, 75.0)
    assert sources.dc_stations_of(country_code="KG") == sources.dc_stations(country_code="KG")
    assert sources.dc_stations_of(box=box) == sources.dc_stations(box=box)
    assert sources.dc_stations_of(country_code="KG")
