"""The case API: a token shows the caller's own cases only, the same rule as the pages."""

from __future__ import annotations

import pytest
from django.test import Client

from kubat.accounts import services as account_services
from tests.permits.factories import draft, in_review, make_world

pytestmark = pytest.mark.django_db


def _get(user: object, path: str) -> tuple[int, object]:
    token = account_services.issue_token(user=user)  # type: ignore[arg-type]
    response = Client().get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def test_applicant_token_lists_only_their_organisation_cases() -> None:
    world = make_world("KZ")
    case = draft(world)
    status, body = _get(world.applicant, "/api/v1/permits/cases")
    assert status == 200
    assert [c["reference"] for c in body] == [case.reference]  # type: ignore[attr-defined]
    status, body = _get(world.outsider, "/api/v1/permits/cases")
    assert body == []
    status, _ = _get(world.outsider, f"/api/v1/permits/cases/{case.pk}")
    assert status == 404


def test_reviewer_token_sees_cases_of_their_agency_with_deadlines() -> None:
    world = make_world("KZ")
    case = in_review(world)
    draft(world)  # drafts stay with the applicant
    status, body = _get(world.reviewers["fire_safety"], "/api/v1/permits/cases")
    assert [c["id"] for c in body] == [case.pk]  # type: ignore[attr-defined]
    status, detail = _get(world.reviewers["fire_safety"], f"/api/v1/permits/cases/{case.pk}")
    assert status == 200
    assert {a["code"] for a in detail["approvals"]} == {  # type: ignore[index]
        "placement",
        "grid_conditions",
        "fire_safety",
    }
    assert all(s["due_at"] for s in detail["next_steps"])  # type: ignore[index]
    status, _ = _get(world.reviewers["state_expertise"], f"/api/v1/permits/cases/{case.pk}")
    assert status == 404


def test_case_api_needs_credentials() -> None:
    assert Client().get("/api/v1/permits/cases").status_code == 401
