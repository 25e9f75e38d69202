"""Pages and roles: a reviewer sees only their agency's queue, an applicant only their own
organisation's cases, and a document URL opens for nobody outside the case."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.http import FileResponse
from django.test import Client

from kubat.permits.forms import ApplicationForm
from kubat.permits.models import ApprovalStatus, CaseStatus, PermitCase
from tests.permits.factories import T0, draft, in_review, make_user, make_world, upload

pytestmark = pytest.mark.django_db


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_reviewer_sees_only_their_agency_queue() -> None:
    world = make_world("KZ")
    case = in_review(world)
    page = _client(world.reviewers["fire_safety"]).get("/permits/queue/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Fire-safety approval" in body
    assert "Placement consent" not in body
    assert case.reference in body


def test_reviewer_cannot_decide_another_agency_approval_by_url() -> None:
    world = make_world("KZ")
    case = in_review(world)
    placement = case.approvals.get(code="placement")
    response = _client(world.reviewers["fire_safety"]).post(
        f"/permits/approvals/{placement.pk}/decide/", {"action": "approve"}
    )
    assert response.status_code == 404
    placement.refresh_from_db()
    assert placement.status == ApprovalStatus.PENDING


def test_htmx_decision_swaps_the_queue_row() -> None:
    world = make_world("KZ")
    case = in_review(world)
    fire = case.approvals.get(code="fire_safety")
    response = _client(world.reviewers["fire_safety"]).post(
        f"/permits/approvals/{fire.pk}/decide/",
        {"action": "reject", "text": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "a rejection needs its reason" in response.content.decode()
    response = _client(world.reviewers["fire_safety"]).post(
        f"/permits/approvals/{fire.pk}/decide/",
        {"action": "approve"},
        headers={"HX-Request": "true"},
    )
    assert f'id="row-{fire.pk}"' in response.content.decode()
    fire.refresh_from_db()
    assert fire.status == ApprovalStatus.APPROVED


def test_applicant_sees_only_their_organisation_cases() -> None:
    world = make_world("KZ")
    case = draft(world)
    mine = _client(world.applicant).get("/permits/cases/")
    assert case.reference in mine.content.decode()
    theirs = _client(world.outsider).get("/permits/cases/")
    assert case.reference not in theirs.content.decode()
    assert _client(world.outsider).get(f"/permits/cases/{case.pk}/").status_code == 404


def test_a_colleague_in_the_same_organisation_sees_the_case() -> None:
    world = make_world("KZ")
    case = draft(world)
    colleague = make_user("colleague", organisation=world.applicant_org)
    assert _client(colleague).get(f"/permits/cases/{case.pk}/").status_code == 200


def test_attachment_url_opens_only_for_the_case_parties() -> None:
    world = make_world("KZ")
    case = in_review(world)
    url = f"/permits/documents/{case.attachments.get().pk}/"
    for user in (world.applicant, world.secretariat, world.reviewers["fire_safety"]):
        response = _client(user).get(url)
        assert response.status_code == 200, user
        assert isinstance(response, FileResponse)
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert response["X-Content-Type-Options"] == "nosniff"
    for user in (world.outsider, world.reviewers["state_expertise"]):
        assert _client(user).get(url).status_code == 404, user
    anonymous = _client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/permits/login/")


def test_drafts_stay_hidden_from_agencies() -> None:
    world = make_world("KZ")
    case = draft(world)
    url = f"/permits/documents/{case.attachments.get().pk}/"
    assert _client(world.reviewers["municipality"]).get(url).status_code == 404


def test_application_form_saves_a_draft_and_previews_its_track() -> None:
    world = make_world("KG")
    form = {
        "country_code": "KG",
        "site_name": "Osh bazaar",
        "region": "Osh",
        "city": "Osh",
        "address": "Kurmanjan Datka 1",
        "latitude": "40.5283",
        "longitude": "72.7985",
        "land_right": "lease",
        "land_document": "L-1",
        "party_id": "osh",
        "grid_capacity_kw": "22",
        "g0_count": "2",
        "g0_power_type": "AC_3_PHASE",
        "g0_max_kw": "11",
        "g0_standards": ["GBT_AC", "IEC_62196_T2"],
    }
    client = _client(world.applicant)
    preview = client.post("/permits/cases/preview/", form, headers={"HX-Request": "true"})
    assert "Maximally simplified" in preview.content.decode()
    response = client.post("/permits/cases/new/", form)
    assert response.status_code == 302
    case = PermitCase.objects.get(site_name="Osh bazaar")
    assert case.status == CaseStatus.DRAFT
    assert case.party_id == "OSH"
    assert case.planned_evses[0]["standards"] == ["GBT_AC", "IEC_62196_T2"]


def test_secretariat_page_is_the_secretariat_s_only() -> None:
    world = make_world("KZ")
    assert _client(world.secretariat).get("/permits/secretariat/").status_code == 200
    assert _client(world.applicant).get("/permits/secretariat/").status_code == 403


def test_permit_pdf_is_served_to_the_applicant() -> None:
    world = make_world("KZ")
    case = in_review(world)
    from kubat.permits import services

    for approval in case.approvals.all():
        services.decide_approval(
            user=world.reviewers[approval.authority], approval=approval, approve=True, now=T0
        )
    response = _client(world.applicant).get(f"/permits/cases/{case.pk}/permit.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert _client(world.outsider).get(f"/permits/cases/{case.pk}/permit.pdf").status_code == 404


def test_a_returned_case_is_edited_and_resubmitted_through_the_pages() -> None:
    from kubat.permits import services

    world = make_world("KZ")
    case = services.submit_case(user=world.applicant, case=draft(world), now=T0)
    services.check_completeness(
        user=world.secretariat, case=case, complete=False, reason="wrong address", now=T0
    )
    client = _client(world.applicant)
    page = client.get(f"/permits/cases/{case.pk}/")
    assert "wrong address" in page.content.decode()
    form = client.get(f"/permits/cases/{case.pk}/edit/")
    assert 'value="Al-Farabi Ave 77"' in form.content.decode()
    data = {
        name: value
        for name, value in ApplicationForm.initial_for(case).items()
        if value not in (None, "")
    }
    data["address"] = "Al-Farabi Ave 77/8"
    assert client.post(f"/permits/cases/{case.pk}/edit/", data).status_code == 302
    assert client.post(f"/permits/cases/{case.pk}/submit/").status_code == 302
    case.refresh_from_db()
    assert case.address == "Al-Farabi Ave 77/8"
    assert case.status == CaseStatus.SUBMITTED


def test_upload_with_a_non_numeric_question_is_400_naming_the_field() -> None:
    world = make_world("KZ")
    case = draft(world)
    before = case.attachments.count()
    response = _client(world.applicant).post(
        f"/permits/cases/{case.pk}/documents/",
        {"kind": "site_plan", "file": upload(), "question": "abc"},
    )
    assert response.status_code == 400
    assert "question: " in response.content.decode()
    assert case.attachments.count() == before
