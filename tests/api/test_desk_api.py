"""/api/v1 for the strategy desk, the PPP calls and drivers' reports: auth per role, and
schemathesis with every check on (positive data included) over these operations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.ppp.models import Expression
from kubat.registry.models import Location
from kubat.wsgi import application
from tests.permits.factories import make_user
from tests.ppp.factories import investor, publish
from tests.registry.factories import location_data, save

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))


def _bearer(user: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {account_services.issue_token(user=user)}"}


@pytest.fixture
def desk(db: None) -> dict[str, Any]:
    secretariat = make_user("desk-secretariat", role=Role.SECRETARIAT)
    ministry = Organisation.objects.create(
        name="Ministry of Economy and Commerce",
        kind=Organisation.Kind.SECRETARIAT,
        country_code="KG",
    )
    operator_org = Organisation.objects.create(
        name="Test operator", kind=Organisation.Kind.OPERATOR, country_code="KG"
    )
    location = save(location_data())
    location.party.organisation = operator_org
    location.party.save(update_fields=["organisation"])
    operator = make_user("desk-operator", organisation=operator_org, role=Role.OPERATOR)
    call = publish(secretariat, now=datetime.now(UTC), days=5)
    return {
        "secretariat": secretariat,
        "ministry": ministry,
        "operator": operator,
        "location": location,
        "call": call,
    }


TARGET = {
    "indicator": "evs_registered_in_year",
    "country_code": "KG",
    "year": 2026,
    "value": 15000,
    "legal_act": "Quota decision",
}


def test_only_the_secretariat_adds_targets_and_actions(
    client: Client, desk: dict[str, Any]
) -> None:
    assert client.post("/api/v1/strategy/targets", TARGET, "application/json").status_code == 401
    operator = _bearer(desk["operator"])
    denied = client.post("/api/v1/strategy/targets", TARGET, "application/json", **operator)
    assert denied.status_code == 403
    made = client.post(
        "/api/v1/strategy/targets", TARGET, "application/json", **_bearer(desk["secretariat"])
    )
    assert made.status_code == 201, made.content
    assert made.json()["status"] in {"on_track", "at_risk", "off_track", "no_data"}
    action = {
        "country_code": "KG",
        "title": "Publish the charging-point standard",
        "owner_id": desk["ministry"].pk,
        "due_on": "2026-01-15",
        "target_id": made.json()["id"],
    }
    added = client.post(
        "/api/v1/strategy/actions", action, "application/json", **_bearer(desk["secretariat"])
    )
    assert added.status_code == 201, added.content
    public = client.get("/api/v1/strategy/actions").json()
    assert [(a["title"], a["owner"]) for a in public] == [
        ("Publish the charging-point standard", "Ministry of Economy and Commerce")
    ]
    assert [t["indicator"] for t in client.get("/api/v1/strategy/targets").json()] == [
        "evs_registered_in_year"
    ]


def test_a_national_indicator_with_a_region_is_refused_by_the_schema(
    client: Client, desk: dict[str, Any]
) -> None:
    body = {**TARGET, "indicator": "corridor_gaps", "value": 0, "region": "Chuy"}
    refused = client.post(
        "/api/v1/strategy/targets", body, "application/json", **_bearer(desk["secretariat"])
    )
    assert refused.status_code == 422


def test_an_unknown_owner_is_a_404_naming_it(client: Client, desk: dict[str, Any]) -> None:
    action = {"country_code": "KG", "title": "x", "owner_id": 999_999, "due_on": "2026-01-15"}
    answer = client.post(
        "/api/v1/strategy/actions", action, "application/json", **_bearer(desk["secretariat"])
    )
    assert answer.status_code == 404
    assert answer.json()["field"] == "owner_id"


def test_the_public_call_shows_no_count_while_open_and_never_a_proposal(
    client: Client, desk: dict[str, Any]
) -> None:
    call = desk["call"]
    bidder = investor("api-investor", "Tien Shan Charging Investments")
    Expression.objects.create(
        call=call,
        investor=account_services.organisation_of(bidder),
        submitted_by=bidder,
        submitted_at=datetime.now(UTC),
        planned_kw=120,
        proposal="Our secret proposal",
    )
    body = client.get(f"/api/v1/ppp/calls/{call.pk}")
    assert body.status_code == 200
    assert body.json()["expressions"] is None
    assert "secret" not in body.content.decode()
    call.deadline_at = datetime.now(UTC) - timedelta(minutes=1)
    call.save(update_fields=["deadline_at"])
    after = client.get("/api/v1/ppp/calls").json()
    assert [(c["reference"], c["expressions"], c["open"]) for c in after] == [
        (call.reference, 1, False)
    ]
    assert "secret" not in str(after)


def test_a_driver_reports_without_an_account_and_the_operator_answers_from_its_queue(
    client: Client, desk: dict[str, Any]
) -> None:
    location: Location = desk["location"]
    report = {"location_id": location.pk, "kind": "NOT_WORKING", "message": "Screen is dark"}
    made = client.post("/api/v1/reports", report, "application/json")
    assert made.status_code == 201, made.content
    operator = _bearer(desk["operator"])
    queue = client.get("/api/v1/reports/queue", **operator).json()
    assert [r["message"] for r in queue] == ["Screen is dark"]
    outsider = _bearer(make_user("api-outsider", role=Role.OPERATOR))
    assert client.get("/api/v1/reports/queue", **outsider).json() == []
    answer = {"state": "FIXED", "answer": "Replaced the display"}
    url = f"/api/v1/reports/{made.json()['id']}/answer"
    assert client.post(url, answer, "application/json", **outsider).status_code == 403
    fixed = client.post(url, answer, "application/json", **operator)
    assert fixed.json()["state"] == "FIXED"
    assert client.get("/api/v1/reports/queue", **operator).json() == []


def test_reports_are_limited_per_address(
    client: Client, desk: dict[str, Any], settings: Any
) -> None:
    settings.KUBAT_REPORT_RATE_LIMIT = 1
    report = {"location_id": desk["location"].pk, "kind": "WRONG_DETAIL", "message": "Hours"}
    assert client.post("/api/v1/reports", report, "application/json").status_code == 201
    limited = client.post("/api/v1/reports", report, "application/json")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1


def test_an_unknown_charging_point_in_a_report_is_a_404_naming_it(
    client: Client, desk: dict[str, Any]
) -> None:
    report = {
        "location_id": desk["location"].pk,
        "kind": "NOT_WORKING",
        "message": "Broken",
        "evse_uid": "nope",
    }
    answer = client.post("/api/v1/reports", report, "application/json")
    assert answer.status_code == 404
    assert answer.json()["field"] == "evse_uid"


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex=r"/api/v1/(strategy|ppp|reports)\b"
)


@pytest.fixture
def _keep_the_test_transaction() -> Iterator[None]:
    """As in test_schemathesis: the WSGI request signals would close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("_keep_the_test_transaction")
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_desk_calls_and_reports_accept_every_request_their_schema_calls_valid(
    case: Any, desk: dict[str, Any]
) -> None:
    token = account_services.issue_token(user=desk["secretariat"])
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
