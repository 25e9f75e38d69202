"""Issue 4's "done when", end to end: an operator registered with a Token A pushes a Location
with EVSEs, PATCHes an EVSE's status, and sees both in the sender list and in /api/v1."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import httpx
import pytest
from django.test import Client

from kubat.ocpi import client as ocpi_client
from kubat.ocpi import services
from tests.ocpi.factories import BASE, call, connector, evse, location, location_url
from tests.ocpi.peers import FakeOperator

pytestmark = pytest.mark.django_db
HAS_PUBLIC_API = importlib.util.find_spec("kubat.registry.selectors") is not None


@pytest.fixture
def token_c(client: Client) -> Iterator[str]:
    fake = FakeOperator("token-b")
    ocpi_client.transport = httpx.MockTransport(fake)
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    body = {
        "token": "token-b",
        "url": f"{fake.base}/versions",
        "roles": [
            {
                "role": "CPO",
                "business_details": {"name": "ABC"},
                "party_id": "ABC",
                "country_code": "KG",
            }
        ],
    }
    response = call(client, "POST", f"{BASE}/credentials", body, token=token_a)
    yield response.json()["data"]["token"]
    ocpi_client.transport = None


def _push_and_patch(client: Client, token: str) -> None:
    assert call(client, "PUT", location_url(), location(), token=token).json()["status_code"] == (
        1000
    )
    patch = {"status": "CHARGING", "last_updated": "2026-02-01T00:00:00Z"}
    assert call(client, "PATCH", location_url("BSK1", "2"), patch, token=token).status_code == 200


def test_pushed_location_and_status_are_in_the_sender_list(client: Client, token_c: str) -> None:
    _push_and_patch(client, token_c)
    items = call(client, "GET", f"{BASE}/sender/locations", token=token_c).json()["data"]
    assert [i["id"] for i in items] == ["BSK1"]
    assert [e["status"] for e in items[0]["evses"]] == ["AVAILABLE", "CHARGING"]


@pytest.mark.skipif(not HAS_PUBLIC_API, reason="/api/v1/locations is on the registry branch")
def test_pushed_location_and_status_are_in_the_public_api(client: Client, token_c: str) -> None:
    _push_and_patch(client, token_c)
    page = client.get("/api/v1/locations?status=CHARGING").json()
    assert [i["ocpi_id"] for i in page["items"]] == ["BSK1"]
    assert page["items"][0]["source"] == "ocpi"


@pytest.mark.skipif(not HAS_PUBLIC_API, reason="compliance is on the registry branch")
def test_location_breaking_the_standard_profile_is_stored_and_flagged(
    client: Client, token_c: str
) -> None:
    ccs_only = location(evses=[evse("1", connectors=[connector(standard="IEC_62196_T2_COMBO")])])
    assert call(client, "PUT", location_url(), ccs_only, token=token_c).status_code == 201
    item = client.get("/api/v1/locations").json()["items"][0]
    detail = client.get(f"/api/v1/locations/{item['id']}").json()
    assert detail["compliance"]["compliant"] is False
