"""The search index answers the default (in-service) search alone, and the API's list page read
as plain values equals the page of loaded locations (docs/decisions/0006-box-search.md)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection

from kubat.core.geo import BBox, equirect_km
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import presenters, selectors, services
from kubat.registry.enums import STANDARD_CODES, Source
from kubat.registry.models import Location, SearchPoint
from tests.registry.factories import connector, evse, location_data, party

pytestmark = pytest.mark.django_db

STANDARDS = ["GBT_DC", "IEC_62196_T2_COMBO", "CHADEMO", "IEC_62196_T2"]


@pytest.fixture
def mixed() -> dict[int, tuple[float, float, set[str], bool]]:
    """200 locations around Bishkek, a third of them planned only (not in service)."""
    rng = random.Random(11)
    owner = party("KG*TST")
    items, truth = [], {}
    for i in range(200):
        lat, lon = 42.87 + rng.uniform(-0.08, 0.08), 74.57 + rng.uniform(-0.1, 0.1)
        standard = rng.choice(STANDARDS)
        planned = i % 3 == 0
        status = "PLANNED" if planned else rng.choice(["AVAILABLE", "CHARGING", "OUTOFORDER"])
        plugs = [connector("1", standard, 60)]
        if i % 5 == 0:
            plugs.append(connector("2", "IEC_62196_T2", 22))
        data = location_data(
            ocpi_id=f"M{i}",
            lat=lat,
            lon=lon,
            evses=[evse(f"M{i}-1", *plugs, status=status), evse(f"M{i}-2", *plugs[:1])]
            if i % 4 == 0 and not planned
            else [evse(f"M{i}-1", *plugs, status=status)],
        )
        items.append((owner, ocpi.Location.model_validate(data), ""))
        standards = {c["standard"] for c in plugs}
        truth[f"M{i}"] = (float(f"{lat:.6f}"), float(f"{lon:.6f}"), standards, not planned)
    created = services.bulk_create_locations(items=items, source=Source.DEMO)
    return {loc.pk: truth[loc.ocpi_id] for loc in created}


def _brute(truth: dict[int, Any], lat: float, lon: float, standard: str) -> list[int]:
    rows = [
        (equirect_km(lat, lon, plat, plon), pk)
        for pk, (plat, plon, std, live) in truth.items()
        if live and standard in std
    ]
    return [pk for _, pk in sorted(rows)]


@pytest.mark.parametrize("standard", STANDARDS)
def test_nearest_from_the_index_alone_leaves_out_locations_not_in_service(mixed, standard):
    found = selectors.nearest_locations(lat=42.87, lon=74.57, k=10, standards=(standard,))
    assert [pk for pk, _ in found] == _brute(mixed, 42.87, 74.57, standard)[:10]


@pytest.mark.parametrize("k", [10, 60])
def test_nearest_without_a_radius_from_far_away_equals_brute_force(mixed, k):
    """From 1,000 km north, where each scan fetches more rows (and PostgreSQL's planner once
    switched to sorting the whole band), the whole-world search still ranks exactly."""
    for standard in STANDARDS:
        found = selectors.nearest_locations(lat=52.3, lon=64.8, k=k, standards=(standard,))
        assert [pk for pk, _ in found] == _brute(mixed, 52.3, 64.8, standard)[:k]


def test_a_search_point_is_in_service_exactly_when_its_location_is(mixed):
    points = SearchPoint.objects.values_list("location_id", "in_service")
    live = dict(Location.objects.values_list("pk", "evse_count"))
    assert points.exists()
    assert all(flag == (live[pk] > 0) for pk, flag in points)


def test_a_location_entering_service_enters_the_index_search(mixed):
    planned = next(pk for pk, (_, _, _, live) in sorted(mixed.items()) if not live)
    lat, lon, standards, _ = mixed[planned]
    standard = min(standards)
    before = selectors.nearest_locations(lat=lat, lon=lon, k=1, standards=(standard,))
    assert planned not in [pk for pk, _ in before]
    location = Location.objects.get(pk=planned)
    services.record_evse_status(
        party=location.party_id,
        location_id=location.ocpi_id,
        evse_uid=f"{location.ocpi_id}-1",
        status="AVAILABLE",
        at=datetime(2026, 11, 2, tzinfo=UTC),
        source="ocpi",
    )
    assert set(
        SearchPoint.objects.filter(location_id=planned).values_list("in_service", flat=True)
    ) == {True}
    nearest = selectors.nearest_locations(lat=lat, lon=lon, k=1, standards=(standard,))
    assert [pk for pk, _ in nearest] == [planned]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the R*Tree is SQLite's index")
def test_the_rtree_carries_each_search_rows_values(mixed):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, min_x, min_y, location_id, lat, lon, max_kw, in_service"
            " FROM registry_searchpoint_rtree ORDER BY id"
        )
        indexed = cursor.fetchall()
    rows = SearchPoint.objects.order_by("pk").values_list(
        "pk", "code", "location_id", "lat", "lon", "max_kw", "in_service"
    )
    assert len(indexed) == len(rows) > 0
    for (pk, x, y, loc, lat, lon, kw, live), (rpk, code, rloc, rlat, rlon, rkw, rlive) in zip(
        indexed, rows, strict=True
    ):
        assert (pk, loc, lat, lon, kw, bool(live)) == (rpk, rloc, rlat, rlon, rkw, rlive)
        # 32-bit bounds: within the float's rounding of the banded point.
        assert abs(x - (rlon + 400 * code)) < 0.01
        assert abs(y - rlat) < 0.001


def _both_pages(filters: selectors.LocationFilters, limit: int) -> None:
    cursor = None
    pages = 0
    while True:
        rows = selectors.search_location_rows(filters=filters, limit=limit, cursor=cursor)
        models = selectors.search_locations(filters=filters, limit=limit, cursor=cursor)
        as_values = [
            presenters.row_summary(r, rows.distances_km.get(r.values["id"])) for r in rows.items
        ]
        loaded = [
            presenters.location_summary(loc, models.distances_km.get(loc.pk))
            for loc in models.items
        ]
        assert as_values == loaded
        assert (rows.total, rows.total_kind, rows.next_cursor) == (
            models.total,
            models.total_kind,
            models.next_cursor,
        )
        pages += 1
        if (cursor := rows.next_cursor) is None:
            break
    assert pages > 1


@pytest.mark.parametrize(
    "filters",
    [
        selectors.LocationFilters(bbox=BBox(74.5, 42.8, 74.65, 42.95)),
        selectors.LocationFilters(near=(42.87, 74.57), radius_km=5),
        selectors.LocationFilters(),
        selectors.LocationFilters(
            statuses=("PLANNED", "AVAILABLE"), bbox=BBox(74.4, 42.7, 74.7, 43.0)
        ),
        selectors.LocationFilters(standards=("IEC_62196_T2", "GBT_DC"), near=(42.87, 74.57)),
    ],
)
def test_the_list_page_read_as_values_equals_the_page_of_loaded_locations(mixed, filters):
    _both_pages(filters, limit=30)


def test_a_row_carries_its_operator_name_and_json_as_the_loaded_location_does():
    data = location_data(
        ocpi_id="OP1",
        operator={"name": "Bishkek Charge"},
        evses=[evse("OP1-1", connector("1", "CHADEMO", 50)), evse("OP1-2", status="REMOVED")],
    )
    owner = party("KG*TST")
    services.bulk_create_locations(
        items=[(owner, ocpi.Location.model_validate(data), "")], source=Source.DEMO
    )
    filters = selectors.LocationFilters(near=(42.8746, 74.5698))
    (row,) = selectors.search_location_rows(filters=filters).items
    (loc,) = selectors.search_locations(filters=filters).items
    assert presenters.row_summary(row) == presenters.location_summary(loc)
    assert presenters.row_summary(row)["operator"] == "Bishkek Charge"
    assert STANDARD_CODES["CHADEMO"] in set(
        SearchPoint.objects.filter(location_id=row.values["id"]).values_list("code", flat=True)
    )
