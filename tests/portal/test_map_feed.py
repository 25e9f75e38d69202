"""The map's marker feed: filters, bounding box and refusals of bad input."""

from __future__ import annotations

from typing import Any

from django.test import Client


def _rows(client: Client, query: str) -> list[list[Any]]:
    response = client.get("/portal-api/markers" + query)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["fields"] == ["id", "lat", "lon", "class", "kw", "name", "city", "evses", "status"]
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
