"""The map's marker feed: filters, bounding box and refusals of bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kubat.portal import map_feed


def _rows(client: Client, query: str) -> list[list[Any]]:
    response = client.get("/portal-api/markers" + query)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["fields"] == [
        *("id", "lat", "lon", "class", "kw", "name", "city", "evses", "status", "price")
    ]
    assert body["count"] == len(body["rows"])
    return body["rows"]  # type: ignore[no-any-return]


def test_feed_returns_every_public_location_without_filters(
    client: Client, demo_registry: dict[str, int]
) -> None:
    assert len(_rows(client, "")) == demo_registry["locations"]
    assert len(_rows(client, "?country=KG")) == 230


def test_connector_filter_narrows_the_markers(
    client: Client, demo_registry: dict[str, int]
) -> None:
    everything = _rows(client, "?country=KG")
    chademo = _rows(client, "?country=KG&connector=CHADEMO")
    assert 0 < len(chademo) < len(everything)


def test_bbox_keeps_only_markers_inside_the_box(
    client: Client, demo_registry: dict[str, int]
) -> None:
    bishkek = _rows(client, "?bbox=74.3,42.7,74.9,43.0")
    assert len(bishkek) >= 60
    assert all(74.3 <= r[2] <= 74.9 and 42.7 <= r[1] <= 43.0 for r in bishkek)


def test_status_filter_matches_the_markers_own_status(
    client: Client, demo_registry: dict[str, int]
) -> None:
    down = _rows(client, "?status=OUT_OF_SERVICE")
    assert down
    assert {r[8] for r in down} == {"OUT_OF_SERVICE"}


def test_min_kw_and_operator_filters(client: Client, demo_registry: dict[str, int]) -> None:
    fast = _rows(client, "?min_kw=150")
    assert fast
    assert all(r[4] >= 150 for r in fast)
    echarge = _rows(client, "?operator=KG*ECH")
    assert 0 < len(echarge) < 230


def test_bad_input_is_refused_with_the_parameter_named(
    client: Client, demo_registry: dict[str, int]
) -> None:
    for query, field in [
        ("?bbox=1,2", "bbox"),
        ("?bbox=80,40,70,45", "bbox"),
        ("?min_kw=lots", "min_kw"),
        ("?min_kw=nan", "min_kw"),
        ("?connector=WIRELESS", "connector"),
        ("?status=ASLEEP", "status"),
        ("?country=XX", "country"),
    ]:
        response = client.get("/portal-api/markers" + query)
        assert response.status_code == 400, query
        assert response.json()["field"] == field


def test_dense_views_are_clustered_on_the_server(
    client: Client, demo_registry: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(map_feed, "SERVER_CLUSTER_ABOVE", 100)
    body = client.get("/portal-api/markers?zoom=5&bbox=40,35,95,60&view=46.5,39.2,87.3,55.4").json()
    assert body["mode"] == "clusters"
    assert sum(c[2] for c in body["clusters"]) == demo_registry["locations"]
    assert len(body["clusters"]) < 100
    assert all(0 <= c[3] <= c[2] for c in body["clusters"])  # available within count
    assert body["in_view"] == demo_registry["locations"]
    assert len(body["rows"]) == map_feed.LIST_ROWS
    # Zoomed in past CLIENT_ZOOM, or without a zoom, the browser gets the points.
    close = client.get(f"/portal-api/markers?zoom={map_feed.CLIENT_ZOOM}").json()
    assert close["mode"] == "points"


def test_clusters_split_as_the_zoom_grows() -> None:
    points = [
        {"lat": 42.87 + i * 0.01, "lon": 74.57 + i * 0.01, "status": "AVAILABLE"} for i in range(20)
    ]
    coarse = map_feed.cluster(points, zoom=4)
    fine = map_feed.cluster(points, zoom=12)
    assert len(coarse) == 1
    assert coarse[0][2:] == [20, 20]
    assert len(fine) > len(coarse)
    assert sum(c[2] for c in fine) == 20


def test_text_search_matches_addresses_too(client: Client, demo_registry: dict[str, int]) -> None:
    street = _rows(client, "?country=KG&text=chuy%20ave")
    assert street
    from kubat.registry.models import Location

    ids = {row[0] for row in street}
    assert all(
        "chuy ave" in a.lower()
        for a in Location.objects.filter(pk__in=ids).values_list("address", flat=True)
    )
    assert len(_rows(client, "?text=bishkek")) == 60
    assert client.get("/portal-api/markers?text=" + "x" * 101).status_code == 400


def test_a_view_its_markers_do_not_all_reach_is_counted_by_the_registry_and_labelled(
    client: Client, demo_registry: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kubat.registry import selectors

    monkeypatch.setattr(map_feed, "SERVER_CLUSTER_ABOVE", 50)
    monkeypatch.setattr(selectors, "MAP_POINT_LIMIT", 100)  # the markers stop at 100
    query = "/portal-api/markers?zoom=5&bbox=40,35,95,60&view=46.5,39.2,87.3,55.4"
    exact = client.get(query).json()
    assert exact["truncated"] is True
    assert (exact["in_view"], exact["in_view_kind"]) == (demo_registry["locations"], "exact")
    monkeypatch.setattr(selectors, "EXACT_TOTAL_UP_TO", 200)
    about = client.get(query).json()
    assert about["in_view_kind"] == "about"
    assert abs(about["in_view"] - demo_registry["locations"]) <= 0.1 * demo_registry["locations"]
    by_status = client.get(query + "&status=AVAILABLE").json()
    assert by_status["in_view_kind"] == "more_than"
    config = map_feed.page_context()["map_config"]["text"]
    assert {"inViewAbout", "inViewMore"} <= set(config)


def test_national_clusters_count_every_location_past_the_point_limit(
    client: Client, demo_registry: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kubat.registry import selectors

    points = selectors.map_points(filters=selectors.LocationFilters())
    available = sum(p["status"] == "AVAILABLE" for p in points)
    monkeypatch.setattr(map_feed, "SERVER_CLUSTER_ABOVE", 50)
    monkeypatch.setattr(selectors, "MAP_POINT_LIMIT", 100)  # points would stop at 100
    body = client.get("/portal-api/markers?zoom=5&bbox=40,35,95,60&view=46.5,39.2,87.3,55.4").json()
    assert body["mode"] == "clusters"
    assert sum(c[2] for c in body["clusters"]) == demo_registry["locations"]
    assert body["count"] == demo_registry["locations"]
    assert sum(c[3] for c in body["clusters"]) == available


def test_clusters_from_grid_squares_match_clusters_of_the_points(
    demo_registry: dict[str, int],
) -> None:
    from kubat.registry import selectors

    filters = selectors.LocationFilters()
    points = selectors.map_points(filters=filters, limit=20_000)
    for zoom in (3, 5, 7):
        cells = selectors.map_cells(filters=filters, per_degree=map_feed._grid_per_degree(zoom))
        from_cells = map_feed.cluster_cells(cells, zoom=zoom)
        from_points = map_feed.cluster(points, zoom=zoom)
        assert sum(c[2] for c in from_cells) == len(points)
        # A grid square goes whole to one screen cell: the cluster counts may differ only by
        # the squares straddling a cell edge, a few per cent at most.
        assert abs(len(from_cells) - len(from_points)) <= max(2, len(from_points) // 10)


def test_a_clusters_answer_is_reused_for_the_feeds_max_age(
    client: Client,
    demo_registry: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    django_assert_num_queries: Any,
) -> None:
    monkeypatch.setattr(map_feed, "SERVER_CLUSTER_ABOVE", 100)
    query = "/portal-api/markers?zoom=5&bbox=40,35,95,60&view=46.5,39.2,87.3,55.4"
    first = client.get(query).json()
    with django_assert_num_queries(0):
        again = map_feed.markers(
            {"zoom": "5", "bbox": "40,35,95,60", "view": "46.5,39.2,87.3,55.4"}
        )
    assert again == first
    assert map_feed.CLUSTER_CACHE_SECONDS == 15
