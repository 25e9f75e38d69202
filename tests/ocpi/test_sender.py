"""Locations, sender role: the paginated national dataset and the single-object GETs."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.ocpi.factories import BASE, call, location, location_url, registered_peer

pytestmark = pytest.mark.django_db
LIST = f"{BASE}/sender/locations"


@pytest.fixture
def dataset(client: Client) -> None:
    registered_peer("KG*ABC", "KZ*XYZ")
    for day in range(1, 6):
        body = location(f"L{day}", last_updated=f"2026-01-0{day}T00:00:00Z")
        assert call(client, "PUT", location_url(f"L{day}"), body).json()["status_code"] == 1000
    hidden = location("HIDDEN", publish=False)
    call(client, "PUT", location_url("HIDDEN"), hidden)
    other = location("L1", party="KZ*XYZ", country="KAZ", city="Almaty")
    call(client, "PUT", location_url("L1", party="KZ*XYZ"), other)


def _ids(response: object) -> list[str]:
    return [item["id"] for item in response.json()["data"]]  # type: ignore[attr-defined]


def test_list_pages_with_link_total_and_limit(client: Client, dataset: None) -> None:
    response = call(client, "GET", f"{LIST}?limit=2")
    assert response["X-Total-Count"] == "6"
    assert response["X-Limit"] == "2"
    assert len(_ids(response)) == 2
    seen = list(_ids(response))
    while "Link" in response:
        link = response["Link"]
        assert link.endswith('>; rel="next"')
        url = link[1 : link.index(">")]
        parts = urlsplit(url)
        assert parts.scheme == "http"
        response = call(client, "GET", f"{parts.path}?{parts.query}")
        seen.extend(_ids(response))
    assert sorted(seen) == ["L1", "L1", "L2", "L3", "L4", "L5"]


def test_unpublished_locations_are_not_sent(client: Client, dataset: None) -> None:
    assert "HIDDEN" not in _ids(call(client, "GET", f"{LIST}?limit=100"))


def test_date_from_is_inclusive_and_date_to_exclusive(client: Client, dataset: None) -> None:
    response = call(
        client, "GET", f"{LIST}?date_from=2026-01-02T00:00:00Z&date_to=2026-01-04T00:00:00Z"
    )
    assert _ids(response) == ["L2", "L3"]
    assert response["X-Total-Count"] == "2"


def test_bad_paging_parameters_get_2001(client: Client, dataset: None) -> None:
    assert call(client, "GET", f"{LIST}?limit=x").json()["status_code"] == 2001
    assert call(client, "GET", f"{LIST}?offset=-1").json()["status_code"] == 2001
    response = call(client, "GET", f"{LIST}?date_from=yesterday")
    assert response.json()["status_message"].startswith("date_from")


def test_limit_is_capped_and_said_in_x_limit(client: Client, dataset: None) -> None:
    assert call(client, "GET", f"{LIST}?limit=5000")["X-Limit"] == "1000"


def test_link_keeps_the_date_filters(client: Client, dataset: None) -> None:
    response = call(client, "GET", f"{LIST}?limit=1&date_from=2026-01-02T00:00:00Z")
    query = parse_qs(urlsplit(response["Link"][1:].split(">")[0]).query)
    assert query["date_from"] == ["2026-01-02T00:00:00Z"]
    assert query["offset"] == ["1"]


def test_single_object_gets(client: Client, dataset: None) -> None:
    got = call(client, "GET", f"{LIST}/L2").json()["data"]
    assert got == location("L2", last_updated="2026-01-02T00:00:00Z")
    assert call(client, "GET", f"{LIST}/L2/1").json()["data"]["uid"] == "1"
    assert call(client, "GET", f"{LIST}/L2/1/1").json()["data"]["id"] == "1"
    assert call(client, "GET", f"{LIST}/NOPE").status_code == 404
    assert call(client, "GET", f"{LIST}/HIDDEN").json()["status_code"] == 2003


def test_routing_headers_pick_the_party_of_a_shared_id(client: Client, dataset: None) -> None:
    ambiguous = call(client, "GET", f"{LIST}/L1")
    assert ambiguous.json()["status_code"] == 2001
    picked = call(
        client,
        "GET",
        f"{LIST}/L1",
        HTTP_OCPI_TO_COUNTRY_CODE="KZ",
        HTTP_OCPI_TO_PARTY_ID="XYZ",
    )
    assert picked.json()["data"]["city"] == "Almaty"


def test_status_patch_appears_in_the_sender_list(client: Client, dataset: None) -> None:
    patch = {"status": "CHARGING", "last_updated": "2026-02-01T00:00:00Z"}
    call(client, "PATCH", location_url("L1", "2"), patch)
    response = call(client, "GET", f"{LIST}?date_from=2026-02-01T00:00:00Z")
    assert _ids(response) == ["L1"]
    assert response.json()["data"][0]["evses"][1]["status"] == "CHARGING"
