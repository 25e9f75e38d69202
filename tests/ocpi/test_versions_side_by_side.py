"""OCPI 2.3.0 beside 2.2.1 on one server: each version at its own URLs, each showing only what
it defines, a peer registered in one version keeping it, and tariffs in either shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.test import Client

from kubat.ocpi import client as ocpi_client
from kubat.ocpi import services
from kubat.ocpi.models import Peer
from kubat.registry.models import EVSE, Location, Tariff
from tests.ocpi.factories import call, connector, evse, location, registered_peer
from tests.ocpi.peers import FakeOperator

pytestmark = pytest.mark.django_db

V221, V230 = "/ocpi/2.2.1", "/ocpi/2.3.0"


def _location_230() -> dict[str, Any]:
    """A truck stop as 2.3.0 describes it: a help line, a parking place, an MCS plug."""
    return location(
        "TRK1",
        evses=[
            evse(
                "1",
                connectors=[connector("1", standard="MCS", max_voltage=1250, max_amperage=800)],
                parking=[{"parking_id": "T1", "evse_position": "LEFT"}],
                accepted_service_providers=["Kubat Pay"],
            ),
            evse("2"),
        ],
        parking_places=[
            {
                "id": "T1",
                "vehicle_types": ["SEMI_TRACTOR"],
                "restricted_to_type": True,
                "reservation_required": False,
            }
        ],
        help_phone="+996312000000",
    )


def _tariff(**over: Any) -> dict[str, Any]:
    out = {
        "country_code": "KG",
        "party_id": "ABC",
        "id": "DC",
        "currency": "KGS",
        "type": "AD_HOC_PAYMENT",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 22.4, "vat": 12, "step_size": 1}]}
        ],
        "last_updated": "2026-01-01T00:00:00Z",
    }
    return {**out, **over}


def test_versions_offers_2_2_1_and_2_3_0_each_at_its_own_url(client: Client) -> None:
    registered_peer("KG*ABC")
    data = call(client, "GET", "/ocpi/versions").json()["data"]
    assert data == [
        {"version": "2.2.1", "url": "http://testserver/ocpi/2.2.1"},
        {"version": "2.3.0", "url": "http://testserver/ocpi/2.3.0"},
    ]


def test_the_2_3_0_details_advertise_its_modules_under_its_own_prefix(client: Client) -> None:
    registered_peer("KG*ABC")
    details = call(client, "GET", V230).json()["data"]
    assert details["version"] == "2.3.0"
    urls = {(e["identifier"], e["role"]): e["url"] for e in details["endpoints"]}
    assert urls == {
        ("credentials", "SENDER"): "http://testserver/ocpi/2.3.0/credentials/",
        ("credentials", "RECEIVER"): "http://testserver/ocpi/2.3.0/credentials/",
        ("locations", "SENDER"): "http://testserver/ocpi/2.3.0/sender/locations/",
        ("locations", "RECEIVER"): "http://testserver/ocpi/2.3.0/receiver/locations/",
        ("tariffs", "SENDER"): "http://testserver/ocpi/2.3.0/sender/tariffs/",
        ("tariffs", "RECEIVER"): "http://testserver/ocpi/2.3.0/receiver/tariffs/",
    }


def test_a_2_3_0_location_is_stored_and_each_version_shows_only_its_own_fields(
    client: Client,
) -> None:
    registered_peer("KG*ABC")
    body = _location_230()
    reply = call(client, "PUT", f"{V230}/receiver/locations/KG/ABC/TRK1", body)
    assert reply.status_code == 201, reply.json()
    assert call(client, "GET", f"{V230}/receiver/locations/KG/ABC/TRK1").json()["data"] == body
    stored = Location.objects.get()
    assert stored.help_phone == "+996312000000"
    assert EVSE.objects.get(uid="1").accepted_service_providers == ["Kubat Pay"]
    # 2.2.1 has no help line, parking places, accepted providers, nor a name for MCS.
    old = call(client, "GET", f"{V221}/sender/locations/TRK1").json()["data"]
    assert "help_phone" not in old
    assert "parking_places" not in old
    assert [e["uid"] for e in old["evses"]] == ["2"]
    assert "accepted_service_providers" not in json.dumps(old)
    new = call(client, "GET", f"{V230}/sender/locations").json()["data"]
    assert new[0]["help_phone"] == "+996312000000"
    assert new[0]["evses"][0]["connectors"][0]["standard"] == "MCS"


def test_a_connector_2_2_1_cannot_name_is_unknown_at_the_2_2_1_url(client: Client) -> None:
    registered_peer("KG*ABC")
    call(client, "PUT", f"{V230}/receiver/locations/KG/ABC/TRK1", _location_230())
    url = "receiver/locations/KG/ABC/TRK1/1/1"
    assert call(client, "GET", f"{V230}/{url}").json()["data"]["standard"] == "MCS"
    reply = call(client, "GET", f"{V221}/{url}")
    assert (reply.status_code, reply.json()["status_code"]) == (404, 2003)


def test_a_2_2_1_patch_of_a_connector_2_2_1_cannot_name_is_unknown_and_changes_nothing(
    client: Client,
) -> None:
    registered_peer("KG*ABC")
    call(client, "PUT", f"{V230}/receiver/locations/KG/ABC/TRK1", _location_230())
    url = "receiver/locations/KG/ABC/TRK1/1/1"
    patch = {"max_amperage": 700, "last_updated": "2026-02-01T00:00:00Z"}
    reply = call(client, "PATCH", f"{V221}/{url}", patch)
    assert (reply.status_code, reply.json()["status_code"]) == (404, 2003)
    assert call(client, "GET", f"{V230}/{url}").json()["data"]["max_amperage"] == 800


def test_a_2_2_1_push_naming_a_2_3_0_field_is_refused_naming_it(client: Client) -> None:
    registered_peer("KG*ABC")
    reply = call(client, "PUT", f"{V221}/receiver/locations/KG/ABC/TRK1", _location_230())
    body = reply.json()
    assert (reply.status_code, body["status_code"]) == (200, 2001)
    assert "help_phone" in body["status_message"]
    assert not Location.objects.exists()


def test_the_2_3_0_sender_links_its_next_page_within_2_3_0(client: Client) -> None:
    registered_peer("KG*ABC")
    for lid in ("A", "B"):
        call(client, "PUT", f"{V230}/receiver/locations/KG/ABC/{lid}", location(lid))
    reply = call(client, "GET", f"{V230}/sender/locations?limit=1")
    assert reply.headers["Link"].startswith("<http://testserver/ocpi/2.3.0/sender/locations?")


def test_a_2_3_0_status_patch_takes_the_same_path_as_in_2_2_1(client: Client) -> None:
    registered_peer("KG*ABC")
    call(client, "PUT", f"{V230}/receiver/locations/KG/ABC/TRK1", _location_230())
    patch = {"status": "CHARGING", "last_updated": "2026-02-01T00:00:00Z"}
    reply = call(client, "PATCH", f"{V230}/receiver/locations/KG/ABC/TRK1/1", patch)
    assert reply.json()["status_code"] == 1000
    assert EVSE.objects.get(uid="1").status == "CHARGING"


def test_a_2_3_0_tariff_keeps_its_tax_and_2_2_1_reads_it_without_tax(client: Client) -> None:
    registered_peer("KG*ABC")
    body = _tariff(
        tax_included="YES",
        min_price={"before_taxes": 100, "after_taxes": 112},
        preauthorize_amount=1500,
    )
    reply = call(client, "PUT", f"{V230}/receiver/tariffs/KG/ABC/DC", body)
    assert reply.status_code == 201, reply.json()
    assert Tariff.objects.get().tax_included == "YES"
    assert call(client, "GET", f"{V230}/receiver/tariffs/KG/ABC/DC").json()["data"] == body
    old = call(client, "GET", f"{V221}/sender/tariffs").json()["data"][0]
    assert "tax_included" not in old
    assert "preauthorize_amount" not in old
    assert old["min_price"] == {"excl_vat": 100, "incl_vat": 112}
    # 2.2.1's prices exclude VAT: 22.40 including 12 % is 20.00 before it.
    assert old["elements"][0]["price_components"][0]["price"] == 20.0


def test_a_2_2_1_tariff_reads_in_2_3_0_as_excluding_tax(client: Client) -> None:
    registered_peer("KG*ABC")
    body = _tariff(max_price={"excl_vat": 1000, "incl_vat": 1120})
    assert call(client, "PUT", f"{V221}/receiver/tariffs/KG/ABC/DC", body).status_code == 201
    assert Tariff.objects.get().tax_included == "NO"
    new = call(client, "GET", f"{V230}/receiver/tariffs/KG/ABC/DC").json()["data"]
    assert new["tax_included"] == "NO"
    assert new["max_price"] == {"before_taxes": 1000, "after_taxes": 1120}
    assert call(client, "GET", f"{V221}/receiver/tariffs/KG/ABC/DC").json()["data"] == body


def test_a_2_3_0_tariff_without_tax_included_is_refused_naming_it(client: Client) -> None:
    registered_peer("KG*ABC")
    reply = call(client, "PUT", f"{V230}/receiver/tariffs/KG/ABC/DC", _tariff())
    assert reply.json()["status_code"] == 2001
    assert reply.json()["status_message"].startswith("tax_included")


@pytest.mark.parametrize("header", [None, "Token bm90LWEtdG9rZW4=", "Bearer x"])
def test_an_unauthenticated_versions_request_is_401_with_a_client_error_and_a_message(
    client: Client, header: str | None
) -> None:
    """Spec (transport, authorization): a missing or unknown credentials token is HTTP 401.
    The body is the envelope with 2000, the generic client error: OCPI's 2004 "Unknown Token"
    is about a driver's Token in the Tokens module, not the credentials token."""
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}
    for path in ("/ocpi/versions", V230, V221):
        reply = client.get(path, **kwargs)
        body = reply.json()
        assert reply.status_code == 401
        assert reply["WWW-Authenticate"] == "Token"
        assert body["status_code"] == 2000
        assert 2000 <= body["status_code"] < 3000
        assert body["status_message"]
        assert body["data"] is None


@pytest.fixture
def operator() -> Iterator[FakeOperator]:
    fake = FakeOperator("token-b-of-operator", versions=("2.2.1", "2.3.0"))
    ocpi_client.transport = httpx.MockTransport(fake)
    yield fake
    ocpi_client.transport = None


def _credentials(**over: Any) -> dict[str, Any]:
    out = {
        "token": "token-b-of-operator",
        "url": "https://operator.example/ocpi/versions",
        "roles": [
            {
                "role": "CPO",
                "business_details": {"name": "Bishkek Charge"},
                "party_id": "ABC",
                "country_code": "KG",
            }
        ],
    }
    return {**out, **over}


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_a_peer_registers_in_the_version_of_the_credentials_endpoint_it_posts_to(
    client: Client, operator: FakeOperator, version: str
) -> None:
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    reply = call(client, "POST", f"/ocpi/{version}/credentials", _credentials(), token=token_a)
    assert reply.json()["status_code"] == 1000, reply.json()
    peer = Peer.objects.get()
    assert peer.version == version
    assert peer.endpoint("locations", "SENDER") == operator.url("loc", version)
    asked = [r.url.path for r in operator.requests]
    assert asked == ["/ocpi/versions", f"/ocpi/{version}"]


def test_2_3_0_credentials_take_a_hub_party_id_and_2_2_1_ones_do_not(
    client: Client, operator: FakeOperator
) -> None:
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    body = _credentials(hub_party_id="NLHUB")
    refused = call(client, "POST", f"{V221}/credentials", body, token=token_a).json()
    assert (refused["status_code"], refused["status_message"][:12]) == (2001, "hub_party_id")
    accepted = call(client, "POST", f"{V230}/credentials", body, token=token_a).json()
    assert accepted["status_code"] == 1000, accepted
    assert Peer.objects.get().version == "2.3.0"


def test_a_peer_registered_in_2_2_1_keeps_it_when_it_renews_there(
    client: Client, operator: FakeOperator
) -> None:
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    token_c = call(client, "POST", f"{V221}/credentials", _credentials(), token=token_a).json()[
        "data"
    ]["token"]
    renewed = call(client, "PUT", f"{V221}/credentials", _credentials(), token=token_c).json()
    assert renewed["status_code"] == 1000
    assert Peer.objects.get().version == "2.2.1"


def test_a_2_2_1_patch_leaves_what_only_2_3_0_can_say_as_stored(client: Client) -> None:
    registered_peer("KG*ABC")
    call(client, "PUT", f"{V230}/receiver/locations/KG/ABC/TRK1", _location_230())
    url = f"{V221}/receiver/locations/KG/ABC/TRK1"
    renamed = {"name": "Truck stop", "last_updated": "2026-02-01T00:00:00Z"}
    assert call(client, "PATCH", url, renamed).json()["status_code"] == 1000
    moved = {"physical_reference": "T1", "last_updated": "2026-02-02T00:00:00Z"}
    assert call(client, "PATCH", f"{url}/1", moved).json()["status_code"] == 1000
    stored = call(client, "GET", f"{V230}/receiver/locations/KG/ABC/TRK1").json()["data"]
    assert stored["name"] == "Truck stop"
    assert stored["help_phone"] == "+996312000000"
    mcs = stored["evses"][0]
    assert (mcs["status"], mcs["physical_reference"]) == ("AVAILABLE", "T1")
    assert mcs["connectors"][0]["standard"] == "MCS"
    assert mcs["accepted_service_providers"] == ["Kubat Pay"]


def test_a_2_2_1_patch_naming_a_2_3_0_field_is_refused_naming_it(client: Client) -> None:
    registered_peer("KG*ABC")
    call(client, "PUT", f"{V230}/receiver/locations/KG/ABC/TRK1", _location_230())
    patch = {"help_phone": "+996555000000", "last_updated": "2026-02-01T00:00:00Z"}
    reply = call(client, "PATCH", f"{V221}/receiver/locations/KG/ABC/TRK1", patch).json()
    assert (reply["status_code"], reply["status_message"]) == (
        2001,
        "help_phone: not a field of OCPI 2.2.1",
    )
    assert Location.objects.get().help_phone == "+996312000000"
