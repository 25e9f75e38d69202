"""The write API: a whole case driven by operators' and agencies' systems, errors naming fields."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kubat.accounts import services as account_services
from kubat.permits.models import CaseStatus, PermitCase
from tests.permits.factories import PDF, World, application, make_world

pytestmark = pytest.mark.django_db


class Api:
    """A bearer-token client for one user, answering (status, JSON)."""

    def __init__(self, user: User) -> None:
        self.headers = {"Authorization": f"Bearer {account_services.issue_token(user=user)}"}
        self.client = Client()

    def post(self, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
        if "data" in kwargs:  # multipart
            response = self.client.post(f"/api/v1/permits{path}", headers=self.headers, **kwargs)
        else:
            response = self.client.post(
                f"/api/v1/permits{path}",
                data=body or {},
                content_type="application/json",
                headers=self.headers,
            )
        return response.status_code, response.json() if response.content else None

    def put(self, path: str, body: Any) -> tuple[int, Any]:
        response = self.client.put(
            f"/api/v1/permits{path}",
            data=body,
            content_type="application/json",
            headers=self.headers,
        )
        return response.status_code, response.json()


def _draft(api: Api) -> dict[str, Any]:
    status, case = api.post("/cases", application("KZ").model_dump())
    assert status == 201, case
    return case


def test_a_case_runs_through_the_write_api_to_the_registry() -> None:
    world: World = make_world("KZ")
    applicant, secretariat = Api(world.applicant), Api(world.secretariat)
    case = _draft(applicant)
    assert case["status"] == "draft"
    assert case["kind"] == "new"
    status, case = applicant.post(
        f"/cases/{case['id']}/attachments",
        data={"kind": "land_right", "file": _file()},
    )
    assert status == 201, case
    assert case["attachments"][0]["kind"] == "land_right"
    status, case = applicant.post(f"/cases/{case['id']}/submit")
    assert status == 200
    assert case["status"] == "submitted"
    assert case["fee"]["outstanding"] == "43250.00"
    status, refused = secretariat.post(f"/cases/{case['id']}/completeness", {"complete": True})
    assert status == 409
    assert refused["field"] == "fee"
    status, case = secretariat.post(
        f"/cases/{case['id']}/payments", {"amount": "43250.00", "transaction_id": "HB-1"}
    )
    assert status == 200
    assert case["fee"]["outstanding"] == "0.00"
    status, case = secretariat.post(f"/cases/{case['id']}/completeness", {"complete": True})
    assert status == 200
    assert case["status"] == "in_review"
    approvals = {a["code"]: a["id"] for a in case["approvals"]}
    fire = Api(world.reviewers["fire_safety"])
    status, case = fire.post(
        f"/approvals/{approvals['fire_safety']}/questions", {"question": "Distance?"}
    )
    assert status == 201
    question = case["approvals"][2]["questions"][0]["id"]
    status, case = applicant.post(f"/questions/{question}/answer", {"answer": "42 m"})
    assert status == 200
    for authority, code in (
        ("municipality", "placement"),
        ("distribution_company", "grid_conditions"),
        ("fire_safety", "fire_safety"),
    ):
        status, case = Api(world.reviewers[authority]).post(
            f"/approvals/{approvals[code]}/decision", {"approve": True}
        )
        assert status == 200, case
    assert case["status"] == "issued"
    assert case["permit_number"].startswith("KZ-P-")
    assert [d["kind"] for d in case["decisions"]] == ["approval"] * 3 + ["permit"]
    applicant.post(f"/cases/{case['id']}/steps/construction")
    status, case = applicant.post(f"/cases/{case['id']}/steps/grid-request")
    assert case["status"] == "grid_requested"
    grid = Api(world.reviewers["distribution_company"])
    status, case = grid.post(f"/cases/{case['id']}/grid-acceptance", {"meter_number": "M-1"})
    assert status == 200
    status, case = applicant.post(f"/cases/{case['id']}/steps/commission")
    assert status == 200
    assert case["status"] == "in_registry"
    assert case["registry_location"]["party"] == "KZ*CHG"


def _file() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("lease.pdf", PDF, content_type="application/pdf")


def test_a_wrong_field_is_named_in_the_error() -> None:
    world = make_world("KZ")
    api = Api(world.applicant)
    body = application("KZ").model_dump()
    body["latitude"] = 123
    status, error = api.post("/cases", body)
    assert status == 422
    assert "latitude" in str(error)
    case = _draft(api)
    status, error = api.post(f"/cases/{case['id']}/submit")
    assert status == 400
    assert error["field"] == "application"
    assert "land right" in error["detail"]
    status, error = Api(world.secretariat).post(
        f"/cases/{case['id']}/payments", {"amount": "abc", "transaction_id": "X"}
    )
    assert status == 400
    assert error["field"] == "amount"


def test_the_write_api_keeps_the_pages_rules() -> None:
    world = make_world("KZ")
    case = _draft(Api(world.applicant))
    outsider = Api(world.outsider)
    status, _ = outsider.post(f"/cases/{case['id']}/submit")
    assert status == 404  # another organisation's case does not exist for them
    body = application("KZ").model_dump()
    body["country_code"] = "KG"
    status, error = Api(world.applicant).put(f"/cases/{case['id']}", body)
    assert status == 400
    assert error["field"] == "country_code"
    status, error = Api(world.reviewers["fire_safety"]).post(
        "/cases", application("KZ").model_dump()
    )
    assert status == 403
    assert PermitCase.objects.get(pk=case["id"]).status == CaseStatus.DRAFT


def test_writes_need_credentials() -> None:
    response = Client().post("/api/v1/permits/cases", data={}, content_type="application/json")
    assert response.status_code == 401


def test_the_write_api_is_in_the_openapi_document() -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/permits/cases",
        "/api/v1/permits/cases/{case_id}/submit",
        "/api/v1/permits/approvals/{approval_id}/decision",
        "/api/v1/permits/questions/{question_id}/answer",
        "/api/v1/permits/webhooks",
        "/api/v1/permits/register",
        "/api/v1/permits/payments/{provider}/callback",
    ):
        assert path in paths, path


def test_appeals_and_changes_through_the_api() -> None:
    from kubat.accounts.models import Organisation
    from kubat.permits import services
    from tests.permits.factories import in_review
    from tests.permits.test_aftercare import _commissioned

    world = make_world("KZ")
    refused = in_review(world)
    services.decide_approval(  # refused today, so the appeal window is open
        user=world.reviewers["fire_safety"],
        approval=refused.approvals.get(code="fire_safety"),
        approve=False,
        reason="too close",
    )
    applicant = Api(world.applicant)
    status, case = applicant.post(f"/cases/{refused.pk}/appeal", {"grounds": "42 m, not 20"})
    assert status == 200
    assert case["status"] == "appealed"
    assert case["appeal"]["decision_due_at"]
    status, error = applicant.post(
        f"/cases/{refused.pk}/appeal/decision", {"grant": True, "reason": "mine"}
    )
    assert status == 403
    status, case = Api(world.secretariat).post(
        f"/cases/{refused.pk}/appeal/decision", {"grant": False, "reason": "the norm is 50 m"}
    )
    assert case["status"] == "rejected"
    assert case["appeal"]["outcome"] == "dismissed"

    permit = _commissioned(world)
    rival = Organisation.objects.get(name="Rival KZ LLP")
    status, error = applicant.post(
        f"/cases/{permit.pk}/changes", {"kind": "transfer", "transfer_to": rival.pk}
    )
    assert status == 400
    assert error["field"] == "party_id"
    status, change = applicant.post(
        f"/cases/{permit.pk}/changes",
        {"kind": "transfer", "transfer_to": rival.pk, "party_id": "RVL"},
    )
    assert status == 201
    assert change["kind"] == "transfer"
    assert change["parent"] == permit.permit_number
    applicant.post(f"/cases/{change['id']}/submit")
    status, change = Api(world.outsider).post(f"/cases/{change['id']}/transfer-consent")
    assert status == 200
    assert change["transfer"]["consented_at"]
    status, change = Api(world.secretariat).post(
        f"/cases/{change['id']}/completeness", {"complete": True}
    )
    assert status == 200
    assert change["status"] == "changed"
    entry = Client().get(f"/api/v1/permits/register/{permit.permit_number}").json()
    assert entry["operator"] == "Rival KZ LLP"
    assert entry["registry_location"]["party"] == "KZ*RVL"


@pytest.mark.parametrize("amount", ["1e999999", "-1e999999", "1e-999999", "sNaN", "12345678901"])
def test_an_amount_beyond_any_fee_is_a_400_naming_amount_not_a_500(amount: str) -> None:
    world = make_world("KZ")
    case = _draft(Api(world.applicant))
    status, error = Api(world.secretariat).post(
        f"/cases/{case['id']}/payments", {"amount": amount, "transaction_id": "X"}
    )
    assert status == 400, error
    assert error["field"] == "amount"
