import random

import pytest

from kubat.core.errors import InvalidInput
from kubat.core.geo import BBox, equirect_km
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import selectors, services
from kubat.registry.enums import Source
from tests.registry.factories import connector, evse, location_data, party

pytestmark = pytest.mark.django_db

STANDARDS = ["GBT_DC", "IEC_62196_T2_COMBO", "CHADEMO", "GBT_AC", "IEC_62196_T2"]


@pytest.fixture
def scattered():
    """300 locations around Bishkek and across the steppe, random standards and power."""
    rng = random.Random(7)
    owner = party("KG*TST")
    items, truth = [], {}
    for i in range(300):
        if i % 3:
            lat, lon = 42.87 + rng.uniform(-0.1, 0.1), 74.57 + rng.uniform(-0.15, 0.15)
        else:
            lat, lon = rng.uniform(39, 55), rng.uniform(50, 85)
        standard = rng.choice(STANDARDS)
        kw = rng.choice([7, 22, 50, 120, 180])
        data = location_data(
            ocpi_id=f"S{i}",
            lat=lat,
            lon=lon,
            evses=[evse("e", connector("1", standard, kw))],
        )
        items.append((owner, ocpi.Location.model_validate(data), ""))
        truth[f"S{i}"] = (float(f"{lat:.6f}"), float(f"{lon:.6f}"), standard, kw)
    created = services.bulk_create_locations(items=items, source=Source.DEMO)
    return {loc.pk: truth[loc.ocpi_id] for loc in created}


def _brute(truth, lat, lon, standards=(), min_kw=None, radius=None):
    rows = []
    for pk, (plat, plon, standard, kw) in truth.items():
        if standards and standard not in standards:
            continue
        if min_kw is not None and kw < min_kw:
            continue
        d = equirect_km(lat, lon, plat, plon)
        if radius is None or d <= radius:
            rows.append((d, pk))
    return sorted(rows)


@pytest.mark.parametrize(
    ("lat", "lon", "standards"),
    [
        (42.8746, 74.5698, ()),
        (42.8746, 74.5698, ("CHADEMO",)),
        (42.8746, 74.5698, ("GBT_DC", "IEC_62196_T2_COMBO")),
        (48.0, 68.0, ("GBT_AC",)),  # the steppe: the box must grow many times
        (54.9, 84.9, ()),  # far north-east: cos(lat) 0.57, the KNN re-ranks the most
    ],
)
@pytest.mark.parametrize("k", [1, 10, 40])
def test_nearest_equals_brute_force(scattered, lat, lon, standards, k):
    found = selectors.nearest_locations(lat=lat, lon=lon, k=k, standards=standards)
    expected = _brute(scattered, lat, lon, standards)[:k]
    assert [pk for pk, _ in found] == [pk for _, pk in expected]
    assert [round(d, 6) for _, d in found] == [round(d, 6) for d, _ in expected]


def test_near_pages_are_sorted_by_distance_and_cover_the_radius_once(scattered):
    filters = selectors.LocationFilters(near=(42.8746, 74.5698), radius_km=12, min_kw=50)
    seen, cursor, distances = [], None, []
    while True:
        page = selectors.search_locations(filters=filters, limit=7, cursor=cursor)
        seen += [loc.pk for loc in page.items]
        distances += [page.distances_km[loc.pk] for loc in page.items]
        assert page.total == len(_brute(scattered, 42.8746, 74.5698, min_kw=50, radius=12))
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = [pk for _, pk in _brute(scattered, 42.8746, 74.5698, min_kw=50, radius=12)]
    assert seen == expected
    assert distances == sorted(distances)


def test_id_pages_visit_every_location_once(scattered):
    seen, cursor = [], None
    while True:
        page = selectors.search_locations(
            filters=selectors.LocationFilters(), limit=64, cursor=cursor
        )
        seen += [loc.pk for loc in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert sorted(seen) == sorted(scattered) == seen


def test_nearest_is_exact_where_plain_degrees_rank_differently(monkeypatch):
    """At 60° N a degree of longitude is half a degree of latitude: a station 0.15° east is
    nearer (8 km) than one 0.1° north (11 km), though farther in plain degrees, which is the
    order the PostgreSQL index returns rows in; the answer must still be by distance."""
    from kubat.registry import spatial
    from tests.registry.factories import save

    party("KG*TST")
    north = save(location_data(ocpi_id="N", lat=60.1, lon=30.0))
    east = save(location_data(ocpi_id="E", lat=60.0, lon=30.15))
    # Fetch exactly k rows first, so that on PostgreSQL the re-rank must ask again.
    monkeypatch.setattr(spatial, "KNN_MARGIN", 0.01)
    monkeypatch.setattr(spatial, "KNN_EXTRA_ROWS", 0)
    found = selectors.nearest_locations(lat=60.0, lon=30.0, k=1)
    assert [pk for pk, _ in found] == [east.pk]
    assert [pk for pk, _ in selectors.nearest_locations(lat=60.0, lon=30.0, k=2)] == [
        east.pk,
        north.pk,
    ]


def test_bbox_pages_come_nearest_the_centre_first_and_cover_the_box_once(scattered):
    box = BBox(74.45, 42.78, 74.7, 42.95)
    centre = ((box.min_lat + box.max_lat) / 2, (box.min_lon + box.max_lon) / 2)
    inside = [
        (equirect_km(*centre, lat, lon), pk)
        for pk, (lat, lon, _, _) in scattered.items()
        if box.min_lon <= lon <= box.max_lon and box.min_lat <= lat <= box.max_lat
    ]
    seen, distances, cursor = [], [], None
    while True:
        page = selectors.search_locations(
            filters=selectors.LocationFilters(bbox=box), limit=13, cursor=cursor
        )
        assert page.total == len(inside)
        seen += [loc.pk for loc in page.items]
        distances += [page.distances_km[loc.pk] for loc in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert seen == [pk for _, pk in sorted(inside)]
    assert distances == sorted(distances)


def test_a_total_is_exact_up_to_the_bound(scattered, monkeypatch):
    monkeypatch.setattr(selectors, "EXACT_TOTAL_UP_TO", 1000)
    page = selectors.search_locations(filters=selectors.LocationFilters(bbox=BBox(74, 42, 75, 43)))
    assert page.total_kind == selectors.TotalKind.EXACT
    inside = [1 for lat, lon, _, _ in scattered.values() if 42 <= lat <= 43 and 74 <= lon <= 75]
    assert page.total == len(inside)


def test_a_box_total_past_the_bound_is_about_the_grid_cells_estimate(scattered, monkeypatch):
    monkeypatch.setattr(selectors, "EXACT_TOTAL_UP_TO", 20)
    box = BBox(74.45, 42.78, 74.69, 42.96)
    exact = sum(
        1
        for lat, lon, _, _ in scattered.values()
        if box.min_lon <= lon <= box.max_lon and box.min_lat <= lat <= box.max_lat
    )
    page = selectors.search_locations(filters=selectors.LocationFilters(bbox=box), limit=5)
    assert exact > 20
    assert page.total_kind == selectors.TotalKind.ABOUT
    assert abs(page.total - exact) <= 0.25 * exact
    assert len(str(page.total).rstrip("0")) <= 2  # two significant digits, no false precision
    assert len(page.items) == 5  # the page itself stays exact


def test_a_near_total_past_the_bound_is_about_the_cells_within_the_radius(scattered, monkeypatch):
    monkeypatch.setattr(selectors, "EXACT_TOTAL_UP_TO", 10)
    filters = selectors.LocationFilters(near=(42.87, 74.57), radius_km=12, standards=("GBT_DC",))
    exact = len(_brute(scattered, 42.87, 74.57, ("GBT_DC",), radius=12))
    page = selectors.search_locations(filters=filters, limit=5)
    assert exact > 10
    assert page.total_kind == selectors.TotalKind.ABOUT
    assert abs(page.total - exact) <= 0.35 * exact


def test_a_total_past_the_bound_with_filters_the_cells_do_not_count_is_more_than_it(
    scattered, monkeypatch
):
    monkeypatch.setattr(selectors, "EXACT_TOTAL_UP_TO", 20)
    box = BBox(74.45, 42.78, 74.69, 42.96)
    for filters in [
        selectors.LocationFilters(bbox=box, min_kw=7),
        selectors.LocationFilters(
            bbox=box,
            standards=("GBT_DC", "CHADEMO", "GBT_AC", "IEC_62196_T2", "IEC_62196_T2_COMBO"),
        ),
        selectors.LocationFilters(text="Station"),
    ]:
        page = selectors.search_locations(filters=filters, limit=5)
        assert (page.total, page.total_kind) == (20, selectors.TotalKind.MORE_THAN), filters


def test_an_unfiltered_total_is_exact_from_the_counters_whatever_the_bound(scattered, monkeypatch):
    monkeypatch.setattr(selectors, "EXACT_TOTAL_UP_TO", 20)
    page = selectors.search_locations(filters=selectors.LocationFilters(), limit=5)
    assert (page.total, page.total_kind) == (300, selectors.TotalKind.EXACT)
    kg = selectors.search_locations(filters=selectors.LocationFilters(country_code="KG"), limit=5)
    assert (kg.total, kg.total_kind) == (300, selectors.TotalKind.EXACT)


def test_bbox_finds_exactly_the_locations_inside(scattered):
    box = BBox(74.5, 42.8, 74.6, 42.9)
    page = selectors.search_locations(filters=selectors.LocationFilters(bbox=box), limit=1000)
    inside = {
        pk
        for pk, (lat, lon, _, _) in scattered.items()
        if box.min_lon <= lon <= box.max_lon and box.min_lat <= lat <= box.max_lat
    }
    assert {loc.pk for loc in page.items} == inside
    assert page.total == len(inside) > 0


def test_connector_and_power_filters_combine(scattered):
    filters = selectors.LocationFilters(standards=("GBT_DC",), min_kw=100)
    page = selectors.search_locations(filters=filters, limit=1000)
    expected = {pk for pk, (_, _, s, kw) in scattered.items() if s == "GBT_DC" and kw >= 100}
    assert {loc.pk for loc in page.items} == expected


def test_city_filter_ignores_case_and_country_takes_alpha3():
    party("KG*TST")
    from tests.registry.factories import save

    save(location_data(ocpi_id="B1"))
    save(location_data(ocpi_id="A1", city="Almaty", country="KAZ", lat=43.2, lon=76.9))
    by_city = selectors.search_locations(filters=selectors.LocationFilters(city="BISHKEK"))
    assert [loc.ocpi_id for loc in by_city.items] == ["B1"]
    kz = selectors.search_locations(filters=selectors.LocationFilters(country_code="KZ"))
    assert [loc.ocpi_id for loc in kz.items] == ["A1"]


def test_status_and_operator_filters():
    from tests.registry.factories import save

    save(location_data(ocpi_id="OK", evses=[evse("a", status="AVAILABLE")]))
    save(location_data(party="KG*OTH", ocpi_id="BROKEN", evses=[evse("a", status="OUTOFORDER")]))
    broken = selectors.search_locations(filters=selectors.LocationFilters(statuses=("OUTOFORDER",)))
    assert [loc.ocpi_id for loc in broken.items] == ["BROKEN"]
    mine = selectors.search_locations(filters=selectors.LocationFilters(operator="kg*tst"))
    assert [loc.ocpi_id for loc in mine.items] == ["OK"]
    near = selectors.search_locations(
        filters=selectors.LocationFilters(near=(42.87, 74.57), operator="KG*OTH")
    )
    assert [loc.ocpi_id for loc in near.items] == ["BROKEN"]


def test_a_cursor_from_another_query_is_refused():
    page_cursor = "WyJpIiwgMV0"  # an id cursor
    with pytest.raises(InvalidInput) as info:
        selectors.search_locations(
            filters=selectors.LocationFilters(near=(42.0, 74.0)), cursor=page_cursor
        )
    assert info.value.field == "cursor"


def test_text_finds_words_in_name_address_or_city():
    from tests.registry.factories import save

    save(location_data(ocpi_id="A", address="Manas Ave 12"))
    save(location_data(ocpi_id="B", name="Dordoi Plaza", lat=42.9))
    for words, expected in [("manas", ["A"]), ("PLAZA", ["B"]), ("bishkek", ["A", "B"])]:
        page = selectors.search_locations(filters=selectors.LocationFilters(text=words))
        assert [loc.ocpi_id for loc in page.items] == expected
        near = selectors.search_locations(
            filters=selectors.LocationFilters(text=words, near=(42.87, 74.57))
        )
        assert sorted(loc.ocpi_id for loc in near.items) == expected


def test_a_page_of_locations_carries_what_its_rows_show_and_reads_nothing_more():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kubat.registry import presenters

    owner = party("KG*TST")
    for i in range(3):
        services.save_location(
            party=owner,
            data=ocpi.Location.model_validate(
                location_data(
                    ocpi_id=f"P{i}",
                    evses=[
                        evse(f"P{i}-1", connector("1"), connector("2", "IEC_62196_T2", 22)),
                        evse(f"P{i}-2", connector("1", "CHADEMO", 50), status="CHARGING"),
                    ],
                )
            ),
            source=Source.API,
        )
    for box in [None, BBox(74.0, 42.0, 75.0, 43.0)]:
        with CaptureQueriesContext(connection) as queries:
            page = selectors.search_locations(filters=selectors.LocationFilters(bbox=box), limit=10)
            read = len(queries)
            rows = [presenters.location_summary(loc) for loc in page.items]
        assert len(queries) == read, "a row read a deferred field"
        if box is None:  # the total (from the counters), ids, locations, EVSEs with connectors
            assert read == 4
        assert [
            (r["ocpi_id"], r["party"], r["status_counts"], r["connector_standards"]) for r in rows
        ] == [
            (
                f"P{i}",
                "KG*TST",
                {"AVAILABLE": 1, "CHARGING": 1},
                ["CHADEMO", "GBT_DC", "IEC_62196_T2"],
            )
            for i in range(3)
        ]


@pytest.mark.django_db
def test_a_loaded_locations_children_can_still_be_filtered_like_a_prefetched_relation():
    """Pages and location views attach EVSEs and connectors by hand; a caller that filters the
    relation (a driver's report naming its charging point) must still reach the database."""
    owner = party("KG*TST")
    services.save_location(
        party=owner,
        data=ocpi.Location.model_validate(
            location_data(
                ocpi_id="F1",
                evses=[
                    evse("F1-1", connector("1")),
                    evse("F1-2", connector("1"), status="CHARGING"),
                ],
            )
        ),
        source=Source.API,
    )
    ids = list(selectors.search_locations(filters=selectors.LocationFilters()).items)
    for loaded in (selectors.get_public_location(location_id=ids[0].pk), *ids):
        assert [e.uid for e in loaded.evses.all()] == ["F1-1", "F1-2"]
        assert loaded.evses.filter(uid="F1-2").get().status == "CHARGING"
        assert [e.uid for e in loaded.evses.exclude(uid="F1-1")] == ["F1-2"]
        assert loaded.evses.count() == 2
