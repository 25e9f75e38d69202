"""Tolerant of real peers: module URLs joined with or without a separator, lower-case
CiStrings, nulls for every optional field, whole numbers sent as floats, loose DateTimes, in
OCPI 2.2.1 and in 2.3.0 (with nulls for the optional fields 2.3.0 adds too)."""

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


# The optional fields each object gains in 2.3.0.
OPTIONAL_2_3_0 = {
    "location": ["parking_places", "help_phone"],
    "evse": ["parking", "accepted_service_providers"],
    "connector": ["capabilities"],
}


def _loose_location(version: str = "2.2.1") -> dict[str, Any]:
    later = OPTIONAL_2_3_0 if version == "2.3.0" else {key: [] for key in OPTIONAL_2_3_0}
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
        **dict.fromkeys(later["connector"]),
    }
    evse = {
        "uid": "e1",
        "status": "AVAILABLE",
        "connectors": [connector],
        "last_updated": "2026-03-01T10:00:00.5Z",
        **dict.fromkeys(OPTIONAL_EVSE),
        **dict.fromkeys(later["evse"]),
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
        **dict.fromkeys(later["location"]),
    }


def _advertised(client: Client, identifier: str, role: str, version: str = "2.2.1") -> str:
    details = call(client, "GET", f"/ocpi/{version}").json()["data"]
    url = next(
        e["url"]
        for e in details["endpoints"]
        if e["identifier"] == identifier and e["role"] == role
    )
    assert url.endswith("/"), "module URLs are advertised with a trailing slash"
    return url[url.index("/ocpi/") :]


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
@pytest.mark.parametrize("separator", ["", "/"])
def test_a_loose_peer_is_stored_correctly_however_it_joins_the_url(
    client: Client, separator: str, version: str
) -> None:
    registered_peer("KG*ABC")
    base = _advertised(client, "locations", "RECEIVER", version)
    assert base.startswith(f"/ocpi/{version}/")
    body = _loose_location(version)
    reply = call(client, "PUT", f"{base}{separator}kg/abc/bsk1", body).json()
    assert reply["status_code"] == 1000, reply
    location = Location.objects.get()
    assert (location.party.key, location.ocpi_id, location.name) == ("KG*ABC", "bsk1", "")
    assert location.opening_times is None
    connector = Connector.objects.get()
    assert (connector.max_voltage, connector.max_amperage) == (750, 80)
    assert EVSE.objects.get().last_updated.microsecond == 500_000
    assert (location.help_phone, location.parking_places) == ("", None)
    assert EVSE.objects.get().accepted_service_providers is None
    # The same object under upper-case keys and a trailing slash is the same location.
    got = call(client, "GET", f"{base}KG/ABC/BSK1/").json()
    assert got["data"]["id"] == "bsk1"
    assert got["data"]["evses"][0]["last_updated"] == "2026-03-01T10:00:00.5Z"
