"""Transport rules (spec chapter 4): envelope everywhere, Token header, ids, routing headers."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.ocpi.factories import (
    BASE,
    auth,
    call,
    connector,
    evse,
    location,
    location_url,
    registered_peer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer() -> None:
    registered_peer("KG*ABC")


def _is_envelope(body: dict[str, object]) -> bool:
    return {"data", "status_code", "timestamp"} <= body.keys() and str(body["timestamp"]).endswith(
        "Z"
    )


def test_success_is_wrapped_in_the_envelope(client: Client, peer: None) -> None:
    response = call(client, "GET", "/ocpi/versions")
    body = response.json()
    assert response.status_code == 200
    assert _is_envelope(body)
    assert body["status_code"] == 1000
    assert body["data"] == [
        {"version": "2.2.1", "url": "http://testserver/ocpi/2.2.1"},
        {"version": "2.3.0", "url": "http://testserver/ocpi/2.3.0"},
    ]


def test_wrong_token_gets_http_401_in_the_envelope(client: Client, peer: None) -> None:
    response = call(client, "GET", "/ocpi/versions", token="not-a-token")
    assert response.status_code == 401
    assert _is_envelope(response.json())
    assert response.json()["status_code"] == 2000
    missing = client.get("/ocpi/versions")
    assert missing.status_code == 401
    assert _is_envelope(missing.json())


def test_plain_token_is_accepted_as_many_peers_send_it(client: Client, peer: None) -> None:
    response = client.get("/ocpi/versions", HTTP_AUTHORIZATION="Token operator-token-c")
    assert response.status_code == 200


def test_request_and_correlation_ids_are_echoed(client: Client, peer: None) -> None:
    response = call(
        client, "GET", "/ocpi/versions", HTTP_X_REQUEST_ID="r-1", HTTP_X_CORRELATION_ID="c-1"
    )
    assert response["X-Request-ID"] == "r-1"
    assert response["X-Correlation-ID"] == "c-1"


def test_request_ids_are_generated_when_absent(client: Client, peer: None) -> None:
    response = call(client, "GET", "/ocpi/versions")
    assert len(response["X-Request-ID"]) == 36
    assert len(response["X-Correlation-ID"]) == 36


ROUTED = {
    "HTTP_OCPI_FROM_COUNTRY_CODE": "KG",
    "HTTP_OCPI_FROM_PARTY_ID": "ABC",
    "HTTP_OCPI_TO_COUNTRY_CODE": "KG",
    "HTTP_OCPI_TO_PARTY_ID": "NAP",
}


def test_functional_module_responses_return_the_routing_headers_swapped(
    client: Client, peer: None
) -> None:
    call(client, "PUT", location_url(), location())
    response = call(client, "GET", location_url(), **ROUTED)
    assert response.json()["status_code"] == 1000
    assert response["OCPI-to-party-id"] == "ABC"
    assert response["OCPI-from-party-id"] == "NAP"
    sender = call(client, "GET", f"{BASE}/sender/locations", **ROUTED)
    assert sender["OCPI-to-country-code"] == "KG"
    assert sender["OCPI-from-country-code"] == "KG"


@pytest.mark.parametrize("path", ["/ocpi/versions", BASE, f"{BASE}/credentials"])
def test_versions_and_credentials_never_carry_routing_headers(
    client: Client, peer: None, path: str
) -> None:
    response = call(client, "GET", path, **ROUTED)
    assert response.json()["status_code"] == 1000
    assert not [h for h in response.headers if h.lower().startswith("ocpi-")]


def test_routing_header_naming_another_party_is_refused(client: Client, peer: None) -> None:
    response = call(
        client,
        "PUT",
        location_url(),
        location(),
        HTTP_OCPI_FROM_COUNTRY_CODE="KZ",
        HTTP_OCPI_FROM_PARTY_ID="XYZ",
    )
    assert response.json()["status_code"] == 2001


def test_malformed_body_gets_2001_naming_the_field(client: Client, peer: None) -> None:
    body = location()
    body["evses"][0]["connectors"][0]["power_type"] = "PLASMA"
    response = call(client, "PUT", location_url(), body)
    assert response.status_code == 200  # valid JSON reached the OCPI layer: no HTTP error
    assert response.json()["status_code"] == 2001
    assert "evses.0.connectors.0.power_type" in response.json()["status_message"]


def test_body_that_is_not_json_gets_2001(client: Client, peer: None) -> None:
    response = client.put(
        location_url(),
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION="Token operator-token-c",
    )
    assert response.status_code == 400  # not JSON: the transport layer's error
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("body")
    as_text = client.put(
        location_url(), data="{not json", content_type="text/plain", **auth("operator-token-c")
    )
    assert as_text.status_code == 400
    assert as_text.json()["status_code"] == 2001


def test_a_created_object_gets_201_and_an_update_200(client: Client, peer: None) -> None:
    assert call(client, "PUT", location_url(), location()).status_code == 201
    assert call(client, "PUT", location_url(), location(name="Renamed")).status_code == 200
    new_evse = call(client, "PUT", location_url("BSK1", "9"), evse("9"))
    assert new_evse.status_code == 201
    assert call(client, "PUT", location_url("BSK1", "9"), evse("9")).status_code == 200
    new_connector = call(client, "PUT", location_url("BSK1", "9", "2"), connector("2"))
    assert new_connector.status_code == 201
    assert new_connector.json()["status_code"] == 1000


def test_unknown_location_gets_2003_with_http_404(client: Client, peer: None) -> None:
    response = call(client, "GET", location_url("NOPE"))
    assert response.status_code == 404
    assert response.json()["status_code"] == 2003


def test_unsupported_method_gets_405_in_the_envelope(client: Client, peer: None) -> None:
    response = call(client, "DELETE", f"{BASE}/sender/locations")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert _is_envelope(response.json())


def test_unknown_ocpi_path_gets_404_in_the_envelope(client: Client, peer: None) -> None:
    response = call(client, "GET", "/ocpi/2.2.1/tariffs")
    assert response.status_code == 404
    assert _is_envelope(response.json())
