"""Tolerant of real peers: module URLs joined with or without a separator, lower-case
CiStrings, nulls for every optional field, whole numbers sent as floats, loose DateTimes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kubat.registry.models import EVSE, Connector, Location
from tests.ocpi.factories import call, registered_peer

pytestmark = pytest.mark.django_db

OPTIONAL_LOCATION = [
    "publish_allowed_to", "name", "postal_code", "state", "related_locations", "parking_type",
    "directions", "operator", "suboperator", "owner", "facilities", "opening_times",
    "charging_when_closed", "images", "energy_mix",
]  # fmt: skip
OPTIONAL_EVSE = [
    "evse_id", "status_schedule", "capabilities", "floor_level", "coordinates",
    "physical_reference", "directions", "parking_restrictions", "images",
]  # fmt: skip


def _loose_location() -> dict[str, Any]:
    connector = {
        "id": "1",
        "standard": "GBT_DC",
        "format": "CABLE",
        "power_type": "DC",
        "max_voltage": 750.0,
        "max_amperage": 80.0,
        "max_electric_power": None,
        "tariff_ids": None,
        "terms_and_conditions": None,
        "last_updated": "2026-03-01T10:00:00",
    }
    evse = {
        "uid": "e1",
        "status": "AVAILABLE",
        "connectors": [connector],
        "last_updated": "2026-03-01T10:00:00.5Z",
        **dict.fromkeys(OPTIONAL_EVSE),
    }
    return {
        "country_code": "kg",
        "party_id": "abc",
        "id": "bsk1",
        "publish": True,
        "address": "Chui Avenue 1",
        "city": "Bishkek",
        "country": "KGZ",
        "coordinates": {"latitude": "42.874600", "longitude": "74.569800"},
        "evses": [evse],
        "time_zone": "Asia/Bishkek",
        "last_updated": "2026-03-01T10:00:00Z",
        **dict.fromkeys(OPTIONAL_LOCATION),
    }


def _advertised(client: Client, identifier: str, role: str) -> str:
    details = call(client, "GET", "/ocpi/2.2.1").json()["data"]
    url = next(
        e["url"]
        for e in details["endpoints"]
        if e["identifier"] == identifier and e["role"] == role
    )
    assert url.endswith("/"), "module URLs are advertised with a trailing slash"
    return url[url.index("/ocpi/") :]


@pytest.mark.parametrize("separator", ["", "/"])
def test_a_loose_peer_is_stored_correctly_however_it_joins_the_url(
    client: Client, separator: str
) -> None:
    registered_peer("KG*ABC")
    base = _advertised(client, "locations", "RECEIVER")
    reply = call(client, "PUT", f"{base}{separator}kg/abc/bsk1", _loose_location()).json()
    assert reply["status_code"] == 1000, reply
    location = Location.objects.get()
    assert (location.party.key, location.ocpi_id, location.name) == ("KG*ABC", "bsk1", "")
    assert location.opening_times is None
    connector = Connector.objects.get()
    assert (connector.max_voltage, connector.max_amperage) == (750, 80)
    assert EVSE.objects.get().last_updated.microsecond == 500_000
    # The same object under upper-case keys and a trailing slash is the same location.
    got = call(client, "GET", f"{base}KG/ABC/BSK1/").json()
    assert got["data"]["id"] == "bsk1"
    assert got["data"]["evses"][0]["last_updated"] == "2026-03-01T10:00:00.5Z"
