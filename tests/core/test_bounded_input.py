"""Every request the hardening probe answered with a 500 now gets a 4xx naming the field.

One test per probed request (issue 10), on whichever database the suite runs on.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django.fixtures import Settings

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from tests.ocpi.factories import BASE, call, registered_peer
from tests.registry.factories import connector, evse, location_data, save

pytestmark = pytest.mark.django_db

DEEP = "[" * 50_000 + "]" * 50_000
BIG = 9223372036854775808  # 2^63: one past PostgreSQL's bigint


@pytest.fixture
def web() -> Client:
    """A client that answers a 500 as a response instead of raising, as a server would."""
    return Client(raise_request_exception=False)


@pytest.fixture
def secretariat_token() -> str:
    user = get_user_model().objects.create_user("secretariat-1")
    account_services.grant_role(user=user, role=Role.SECRETARIAT)
    return account_services.issue_token(user=user)


def _field(response: Any) -> str:
    body = response.json()
    return str(body.get("field") or body.get("status_message", "").split(":")[0])


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_deeply_nested_json_import_file_is_400_naming_the_file(
    web: Client, secretariat_token: str
) -> None:
    upload = SimpleUploadedFile("deep.json", DEEP.encode(), content_type="application/json")
    response = web.post(
        "/api/v1/imports",
        {"file": upload, "file_format": "json"},
        HTTP_AUTHORIZATION=f"Bearer {secretariat_token}",
    )
    assert response.status_code == 400, response.content[:300]
    assert "nested deeper" in response.content.decode()
    assert "file" in response.content.decode()


def test_deeply_nested_json_body_to_the_api_is_400(web: Client, secretariat_token: str) -> None:
    response = web.post(
        "/api/v1/imports",
        DEEP,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secretariat_token}",
    )
    assert response.status_code == 400
    assert _field(response) == "body"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", f"{BASE}/receiver/locations/KG/ABC/L1"),
        ("PATCH", f"{BASE}/receiver/locations/KG/ABC/L1"),
        ("PUT", f"{BASE}/receiver/locations/KG/ABC/L1/E1"),
        ("PUT", f"{BASE}/credentials"),
    ],
)
def test_deeply_nested_json_to_ocpi_is_2001(web: Client, method: str, path: str) -> None:
    registered_peer("KG*ABC")
    response = getattr(web, method.lower())(
        path,
        DEEP,
        content_type="application/json",
        HTTP_AUTHORIZATION="Token " + base64.b64encode(b"operator-token-c").decode(),
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("body: JSON nested deeper")


@pytest.mark.parametrize("offset", [str(BIG), "1e20", "-1"])
def test_ocpi_sender_offset_out_of_range_is_2001_naming_offset(web: Client, offset: str) -> None:
    registered_peer("KG*ABC")
    response = call(web, "GET", f"{BASE}/sender/locations?offset={offset}")
    assert response.status_code == 200  # OCPI: a refused, well-formed request is 200 + 2001
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("offset")


def test_ocpi_sender_limit_out_of_range_is_2001_naming_limit(web: Client) -> None:
    registered_peer("KG*ABC")
    response = call(web, "GET", f"{BASE}/sender/locations?limit={BIG}")
    assert response.status_code == 200  # a well-formed request: OCPI's refusal is in the body
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("limit")


def test_ocpi_sender_date_from_before_1970_is_2001_naming_date_from(web: Client) -> None:
    registered_peer("KG*ABC")
    save(location_data())
    response = call(web, "GET", f"{BASE}/sender/locations?date_from=0001-01-01T00:00:00Z")
    assert response.status_code == 200, response.content[:300]  # OCPI: the refusal in the body
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("date_from")
    since_epoch = call(web, "GET", f"{BASE}/sender/locations?date_from=1970-01-01T00:00:00Z")
    assert len(since_epoch.json()["data"]) == 1


@pytest.mark.parametrize(
    ("value", "found"), [("0001-01-01T00:00:00Z", 0), ("9999-12-31T23:59:59Z", 1)]
)
def test_ocpi_sender_date_to_at_the_calendar_edges_is_answered(
    web: Client, value: str, found: int
) -> None:
    registered_peer("KG*ABC")
    save(location_data())
    response = call(web, "GET", f"{BASE}/sender/locations?date_to={value}")
    assert response.status_code == 200, response.content[:300]
    assert len(response.json()["data"]) == found


@pytest.mark.parametrize(
    "cursor",
    [
        "WyJpIl0",  # ["i"]: a cursor with no id
        _cursor(["i", BIG]),
        _cursor(["i", "x"]),
        _cursor(["i", 1, 2]),
        "%%%",
    ],
)
def test_a_bad_cursor_is_400_naming_cursor(web: Client, cursor: str) -> None:
    save(location_data())
    response = web.get("/api/v1/locations", {"cursor": cursor})
    assert response.status_code == 400, response.content[:300]
    assert _field(response) == "cursor"


@pytest.mark.parametrize(
    "payload", [["d", 1, 2**70], ["d", 1e300, 1], ["d", 1], ["d", "x", 1], ["d", True, 1]]
)
def test_a_bad_near_cursor_is_400_naming_cursor(web: Client, payload: list[object]) -> None:
    save(location_data())
    response = web.get("/api/v1/locations", {"near": "42.87,74.6", "cursor": _cursor(payload)})
    assert response.status_code == 400, response.content[:300]
    assert _field(response) == "cursor"


def test_an_api_location_id_beyond_bigint_is_404(web: Client) -> None:
    response = web.get(f"/api/v1/locations/{BIG}")
    assert response.status_code in {400, 404}, response.content[:300]


def test_a_portal_location_id_beyond_bigint_is_404(web: Client) -> None:
    response = web.get(f"/locations/{BIG}/")
    assert response.status_code == 404


def test_max_voltage_1e23_in_a_connector_is_400_naming_it(
    web: Client, secretariat_token: str
) -> None:
    body = location_data(party="KG*TST", ocpi_id="V1")
    body["evses"][0]["connectors"][0]["max_voltage"] = 1e23
    save(location_data(party="KG*TST", ocpi_id="V0"))
    response = web.put(
        "/api/v1/locations/KG/TST/V1",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secretariat_token}",
    )
    assert response.status_code == 400, response.content[:300]
    assert _field(response).endswith("max_voltage")


def test_max_voltage_1e23_over_ocpi_is_2001_naming_it(web: Client) -> None:
    registered_peer("KG*ABC")
    body = location_data(party="KG*ABC", ocpi_id="L1")
    body["evses"][0]["connectors"][0]["max_voltage"] = 1e23
    response = call(web, "PUT", f"{BASE}/receiver/locations/KG/ABC/L1", body)
    assert response.status_code == 400
    assert response.json()["status_code"] == 2001
    assert "max_voltage" in response.json()["status_message"].split(":")[0]


def test_model_year_2_to_the_70_in_a_quota_application_is_400_naming_it(
    web: Client, secretariat_token: str
) -> None:
    body = {
        "period": 1,
        "declarant": {"kind": "company", "tax_id": "01234567890123"},
        "vehicles": [
            {
                "vin": "LGXCE4CB000000001",
                "make": "BYD",
                "model": "Han",
                "powertrain": "BEV",
                "model_year": 2**70,
            }
        ],
    }
    response = web.post(
        "/api/v1/quotas/applications",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secretariat_token}",
    )
    assert response.status_code == 400, response.content[:300]
    assert _field(response) == "vehicles.0.model_year"


def test_a_body_over_the_limit_is_413_before_it_is_read(
    web: Client, settings: Settings, secretariat_token: str
) -> None:
    settings.KUBAT_MAX_BODY_BYTES = 1000
    body = json.dumps(location_data(party="KG*TST", ocpi_id="B1", name="x" * 2000))
    response = web.put(
        "/api/v1/locations/KG/TST/B1",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secretariat_token}",
    )
    assert response.status_code == 413
    assert response.json() == {
        "code": "too_large",
        "detail": f"the body is {len(body)} bytes, more than 1000 accepted",
        "field": "body",
    }


def test_an_ocpi_body_over_the_limit_is_413_in_the_envelope(
    web: Client, settings: Settings
) -> None:
    settings.KUBAT_MAX_BODY_BYTES = 1000
    registered_peer("KG*ABC")
    body = location_data(party="KG*ABC", ocpi_id="L1", name="x" * 2000)
    response = call(web, "PUT", f"{BASE}/receiver/locations/KG/ABC/L1", body)
    assert response.status_code == 413
    assert response.json()["status_message"].startswith("body: the body is")
    assert "timestamp" in response.json()


def test_too_many_evses_in_a_location_are_refused_with_a_clear_message(
    web: Client, secretariat_token: str
) -> None:
    from kubat.registry import bounds

    evses = [evse(f"E{i}") for i in range(bounds.MAX_EVSES_PER_LOCATION + 1)]
    body = location_data(party="KG*TST", ocpi_id="M1", evses=evses)
    save(location_data(party="KG*TST", ocpi_id="M0"))
    response = web.put(
        "/api/v1/locations/KG/TST/M1",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secretariat_token}",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "evses"
    assert str(bounds.MAX_EVSES_PER_LOCATION) in response.json()["detail"]


def test_too_many_connectors_in_an_evse_are_refused_over_ocpi(web: Client) -> None:
    from kubat.registry import bounds

    registered_peer("KG*ABC")
    connectors = [connector(str(i)) for i in range(bounds.MAX_CONNECTORS_PER_EVSE + 1)]
    body = location_data(party="KG*ABC", ocpi_id="L1", evses=[evse("E1", *connectors)])
    response = call(web, "PUT", f"{BASE}/receiver/locations/KG/ABC/L1", body)
    assert response.status_code == 200  # OCPI: an invalid object is 200 + 2001
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("evses.0.connectors:")


# Imports and authentication ----------------------------------------------------------------


def test_an_anonymous_api_write_is_401_with_www_authenticate() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/imports", {"file_format": "csv"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"
    put = client.put("/api/v1/locations/KG/TST/L1", "{}", content_type="application/json")
    assert put.status_code == 401
    assert put["WWW-Authenticate"].startswith("Bearer")


def test_a_logged_in_api_write_still_needs_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    user = get_user_model().objects.create_user("secretariat-2")
    account_services.grant_role(user=user, role=Role.SECRETARIAT)
    client.force_login(user)
    response = client.post("/api/v1/imports", {"file_format": "csv"})
    assert response.status_code == 403


def test_an_import_without_the_role_is_refused_before_the_file_is_parsed(web: Client) -> None:
    """A file that would fail parsing (400) gets 403: permission is checked first."""
    user = get_user_model().objects.create_user("importer-1")
    account_services.grant_role(user=user, role=Role.IMPORTER)
    token = account_services.issue_token(user=user)
    upload = SimpleUploadedFile("x.json", DEEP.encode(), content_type="application/json")
    response = web.post(
        "/api/v1/imports",
        {"file": upload, "file_format": "json"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403
    assert "secretariat or operator" in response.json()["detail"]


def test_an_import_file_over_the_limit_is_413_unread(
    web: Client, settings: Settings, secretariat_token: str
) -> None:
    settings.KUBAT_IMPORT_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.csv", b"x" * 5000, content_type="text/csv")
    response = web.post(
        "/api/v1/imports",
        {"file": upload, "file_format": "csv"},
        HTTP_AUTHORIZATION=f"Bearer {secretariat_token}",
    )
    assert response.status_code == 413
    assert response.json()["field"] == "file"
