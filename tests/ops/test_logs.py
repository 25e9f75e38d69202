"""Structured logs: one JSON line per request with its id, who, route, status and duration;
never a password or a token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kubat.accounts import services as account_services
from kubat.ops import logs
from tests.ocpi.factories import call, location, location_url, registered_peer

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple-9"
OCPI_TOKEN = "ocpi-secret-token-c-4711"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """What the configured formatter writes, from every logger, as the console handler gets it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_each_request_logs_one_json_line_with_its_id_returned(
    client: Client, output: io.StringIO
) -> None:
    given = client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234.abc")
    made = client.get("/api/v1/stats")
    assert given["X-Request-ID"] == "lb-1234.abc"
    assert len(made["X-Request-ID"]) == 36
    requests = [line for line in _lines(output) if line["logger"] == "kubat.request"]
    assert [r["request_id"] for r in requests] == ["lb-1234.abc", made["X-Request-ID"]]
    first = requests[0]
    assert {"timestamp", "level", "request_id", "user", "route", "status", "duration_ms"} <= set(
        first
    )
    assert first["route"] == "/healthz"
    assert first["status"] == 200
    assert first["level"] == "info"
    assert str(first["timestamp"]).endswith("Z")


def test_a_request_id_that_is_not_an_id_is_replaced(client: Client) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="x" * 500)
    assert response["X-Request-ID"] != "x" * 500
    assert len(response["X-Request-ID"]) == 36


def test_ocpi_answers_carry_the_same_request_id_as_the_log(
    client: Client, output: io.StringIO
) -> None:
    registered_peer("KG*ABC", token=OCPI_TOKEN)
    given = call(
        client, "PUT", location_url(), location(), token=OCPI_TOKEN, HTTP_X_REQUEST_ID="r1"
    )
    made = call(client, "PUT", location_url(), location(), token=OCPI_TOKEN)
    assert given["X-Request-ID"] == "r1"
    lines = [line for line in _lines(output) if line["logger"] == "kubat.request"]
    assert [line["request_id"] for line in lines] == ["r1", made["X-Request-ID"]]
    assert lines[0]["ocpi_party"] == "KG*ABC"


def test_passwords_and_tokens_never_reach_the_log(client: Client, output: io.StringIO) -> None:
    user = User.objects.create_superuser("ops-admin", password=PASSWORD)
    api_token = account_services.issue_token(user=user)
    registered_peer("KG*ABC", token=OCPI_TOKEN)

    login = client.post("/admin/login/", {"username": "ops-admin", "password": PASSWORD})
    assert login.status_code == 302
    client.get("/admin/")
    wrong = Client().post("/admin/login/", {"username": "ops-admin", "password": PASSWORD + "x"})
    assert wrong.status_code == 200
    Client().get("/api/v1/stats", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    Client().put(
        "/api/v1/locations/KG/ABC/X",
        "{}",
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token}",
    )
    call(Client(), "PUT", location_url(), location(), token=OCPI_TOKEN)
    call(Client(), "GET", "/ocpi/2.2.1/sender/locations", token=OCPI_TOKEN + "-revoked")
    # Code that logs carelessly is caught too: by key, in the message, in a traceback.
    careless = logging.getLogger("kubat.careless")
    careless.warning("retrying with token=%s", OCPI_TOKEN, extra={"password": PASSWORD})
    careless.warning("header was Authorization: Bearer %s", api_token)
    try:
        raise ValueError(f"login failed for password={PASSWORD}")
    except ValueError:
        careless.exception("login failed")

    text = output.getvalue()
    lines = _lines(output)
    users = {line.get("user") for line in lines if line["logger"] == "kubat.request"}
    assert "ops-admin" in users
    assert len([line for line in lines if line["logger"] == "kubat.request"]) >= 7
    assert "careless" in text
    assert "Traceback" in text
    for secret in (PASSWORD, api_token, OCPI_TOKEN):
        assert secret not in text


def test_a_credential_in_any_case_is_masked_among_lines_without_one() -> None:
    """The redaction looks at a line's strings together first: one credential among many
    harmless values, in capitals, is still masked, and the harmless values are kept."""
    event = {
        "event": "request",
        "path": "/ocpi/2.2.1/receiver/locations/KG/BEN/B1/1",
        "note": f"retry with TOKEN={OCPI_TOKEN}",
        "remote_addr": "127.0.0.1",
        "status": 200,
    }
    redacted = logs.redact(None, "info", dict(event))
    assert OCPI_TOKEN not in redacted["note"]
    assert redacted["note"] == "retry with TOKEN=[redacted]"
    assert redacted["path"] == event["path"]
    assert logs.redact(None, "info", {"Api_Key": "x", "event": "e"})["Api_Key"] == logs.REDACTED
