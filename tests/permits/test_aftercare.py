"""Appeals and resubmission of a refusal; modification, transfer and decommissioning of a
commissioned station, each a case that updates the registry."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.core.errors import Conflict, PermissionDenied
from kubat.permits import aftercare, decisions, delivery, register, services
from kubat.permits.models import ApprovalStatus, CaseStatus, DecisionKind, PermitCase
from kubat.registry import services as registry_services
from kubat.registry.models import EVSE, Location, StatCounter
from tests.permits.factories import T0, World, in_review, make_user, make_world, pay

pytestmark = pytest.mark.django_db


def _refused(world: World) -> PermitCase:
    case = in_review(world)
    fire = case.approvals.get(code="fire_safety")
    services.decide_approval(
        user=world.reviewers["fire_safety"],
        approval=fire,
        approve=False,
        reason="too close to the fuel station",
        now=T0 + timedelta(days=1),
    )
    case.refresh_from_db()
    return case


def _commissioned(world: World) -> PermitCase:
    case = in_review(world)
    at = T0 + timedelta(days=2)
    for approval in case.approvals.all():
        services.decide_approval(
            user=world.reviewers[approval.authority], approval=approval, approve=True, now=at
        )
    case.refresh_from_db()
    delivery.start_construction(user=world.applicant, case=case, now=at + timedelta(days=1))
    delivery.request_grid_acceptance(user=world.applicant, case=case, now=at + timedelta(days=20))
    delivery.accept_grid(
        user=world.reviewers["distribution_company"],
        case=case,
        meter_number="M-1",
        now=at + timedelta(days=25),
    )
    delivery.commission_case(user=world.applicant, case=case, now=at + timedelta(days=26))
    case.refresh_from_db()
    return case


def _run(world: World, case: PermitCase, *, recipient: object = None) -> PermitCase:
    at = T0 + timedelta(days=40)
    services.submit_case(user=world.applicant, case=case, now=at)
    pay(world, case, now=at)
    if recipient is not None:
        aftercare.consent_transfer(user=recipient, case=case, now=at)  # type: ignore[arg-type]
    services.check_completeness(user=world.secretariat, case=case, complete=True, now=at)
    for approval in case.approvals.filter(status=ApprovalStatus.PENDING):
        services.decide_approval(
            user=world.reviewers[approval.authority],
            approval=approval,
            approve=True,
            now=at + timedelta(days=1),
        )
    case.refresh_from_db()
    return case


def test_a_refusal_opens_its_own_appeal_and_resubmission_deadlines() -> None:
    world = make_world("KZ")
    case = _refused(world)
    assert case.appeal_due_at == case.decided_at + timedelta(days=30) or case.appeal_due_at
    assert case.appeal_due_at is not None
    assert case.resubmission_due_at is not None
    assert case.resubmission_due_at > case.appeal_due_at


def test_an_appeal_after_its_deadline_is_refused() -> None:
    world = make_world("KZ")
    case = _refused(world)
    assert case.appeal_due_at is not None
    with pytest.raises(Conflict) as late:
        aftercare.appeal_refusal(
            user=world.applicant, case=case, grounds="x", now=case.appeal_due_at + timedelta(1)
        )
    assert late.value.field == "appeal"


def test_a_granted_appeal_reopens_the_refused_approval_with_a_fresh_clock() -> None:
    world = make_world("KZ")
    case = _refused(world)
    at = T0 + timedelta(days=5)
    case = aftercare.appeal_refusal(
        user=world.applicant, case=case, grounds="site plan shows 42 m", now=at
    )
    assert case.status == CaseStatus.APPEALED
    with pytest.raises(PermissionDenied):
        aftercare.decide_appeal(user=world.applicant, case=case, grant=True, reason="x", now=at)
    case = aftercare.decide_appeal(
        user=world.secretariat, case=case, grant=True, reason="distance is 42 m", now=at
    )
    assert case.status == CaseStatus.IN_REVIEW
    fire = case.approvals.get(code="fire_safety")
    assert fire.status == ApprovalStatus.PENDING
    assert fire.started_at == at
    appeal = case.decisions.get(kind=DecisionKind.APPEAL)
    assert json.loads(appeal.canonical)["appeal"]["outcome"] == "granted"
    assert decisions.verify_decision(appeal).valid
    for approval in case.approvals.filter(status=ApprovalStatus.PENDING):  # cancelled ones too
        services.decide_approval(
            user=world.reviewers[approval.authority], approval=approval, approve=True, now=at
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.ISSUED


def test_a_dismissed_appeal_leaves_the_refusal_standing() -> None:
    world = make_world("KZ")
    case = _refused(world)
    at = T0 + timedelta(days=5)
    aftercare.appeal_refusal(user=world.applicant, case=case, grounds="no", now=at)
    case = aftercare.decide_appeal(
        user=world.secretariat, case=case, grant=False, reason="norm is 50 m", now=at
    )
    assert case.status == CaseStatus.REJECTED
    with pytest.raises(Conflict):
        aftercare.appeal_refusal(user=world.applicant, case=case, grounds="again", now=at)


def test_a_resubmission_copies_the_case_and_credits_the_fee_once() -> None:
    world = make_world("KZ")
    case = _refused(world)
    at = T0 + timedelta(days=10)
    again = aftercare.resubmit_refused(user=world.applicant, case=case, now=at)
    assert again.status == CaseStatus.DRAFT
    assert again.parent == case
    assert again.attachments.filter(kind="land_right").exists()
    again = services.submit_case(user=world.applicant, case=again, now=at)
    assert again.fee_outstanding == 0  # the refused case's fee counts again
    with pytest.raises(Conflict):
        aftercare.resubmit_refused(user=world.applicant, case=case, now=at)


def test_a_transfer_moves_the_location_to_the_new_operator_in_the_registry() -> None:
    world = make_world("KZ")
    permit = _commissioned(world)
    location = permit.location
    assert location is not None
    buyer_org = Organisation.objects.create(
        name="Buyer KZ LLP", kind=Organisation.Kind.OPERATOR, country_code="KZ"
    )
    buyer = make_user("buyer-kz", organisation=buyer_org, role=Role.OPERATOR)
    case = aftercare.open_change(
        user=world.applicant,
        permit=permit,
        kind="transfer",
        transfer_to=buyer_org,
        transfer_party_id="buy",
        now=T0 + timedelta(days=40),
    )
    services.submit_case(user=world.applicant, case=case, now=T0 + timedelta(days=40))
    pay(world, case)
    with pytest.raises(Conflict) as waiting:
        services.check_completeness(user=world.secretariat, case=case, complete=True, now=T0)
    assert waiting.value.field == "transfer_to"
    aftercare.consent_transfer(user=buyer, case=case, now=T0 + timedelta(days=41))
    services.check_completeness(
        user=world.secretariat, case=case, complete=True, now=T0 + timedelta(days=41)
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CHANGED
    location = Location.objects.get(pk=location.pk)
    assert location.party.key == "KZ*BUY"
    assert location.party.organisation == buyer_org
    assert all(
        e.startswith("KZ*BUY*")
        for e in EVSE.objects.filter(location=location).values_list("evse_id", flat=True)
    )
    permit.refresh_from_db()
    assert register.entry(permit)["operator"] == "Buyer KZ LLP"
    transfer = case.decisions.get(kind=DecisionKind.TRANSFER)
    assert transfer.public
    assert decisions.verify_decision(transfer).valid
    counters = dict(StatCounter.objects.filter(country_code="KZ").values_list("key", "value"))
    assert not any("CHG" in str(k) and v for k, v in counters.items())
    # The new holder may now change the station; the old one may not.
    with pytest.raises(PermissionDenied):
        aftercare.open_change(
            user=world.applicant, permit=permit, kind="decommission", decommission_mode="final"
        )


def test_decommissioning_sets_the_evses_and_the_register_state() -> None:
    world = make_world("KZ")
    permit = _commissioned(world)
    # The operator reports one point live; the other is still PLANNED (not built yet).
    live = EVSE.objects.filter(location=permit.location).order_by("pk").first()
    assert live is not None
    registry_services.record_evse_status(
        party=permit.location.party,
        location_id=permit.location.ocpi_id,
        evse_uid=live.uid,
        status="AVAILABLE",
        at=live.last_updated,
        source="ocpi",
    )
    case = aftercare.open_change(
        user=world.applicant, permit=permit, kind="decommission", decommission_mode="temporary"
    )
    _run(world, case)
    permit.refresh_from_db()
    assert register.state_of(permit) == "suspended"
    statuses = dict(EVSE.objects.filter(location=permit.location).values_list("pk", "status"))
    # A temporary stop takes out of service what was in service; a planned point stays planned.
    assert statuses.pop(live.pk) == "INOPERATIVE"
    assert set(statuses.values()) == {"PLANNED"}
    final = aftercare.open_change(
        user=world.applicant, permit=permit, kind="decommission", decommission_mode="final"
    )
    _run(world, final)
    permit.refresh_from_db()
    assert register.state_of(permit) == "decommissioned"
    statuses = set(EVSE.objects.filter(location=permit.location).values_list("status", flat=True))
    assert statuses == {"REMOVED"}
    with pytest.raises(Conflict):
        aftercare.open_change(
            user=world.applicant, permit=permit, kind="decommission", decommission_mode="final"
        )
    body = Client().get("/api/v1/permits/register", {"state": "decommissioned"}).json()
    assert [i["permit_number"] for i in body["items"]] == [permit.permit_number]


def test_a_modification_is_reviewed_then_replaces_the_evses_keeping_their_status() -> None:
    world = make_world("KZ")
    permit = _commissioned(world)
    assert permit.location is not None
    EVSE.objects.filter(location=permit.location).update(status="AVAILABLE")
    groups = [dict(g) for g in permit.planned_evses]
    groups[0]["count"] = 3
    case = aftercare.open_change(
        user=world.applicant, permit=permit, kind="modification", planned_evses=groups
    )
    case = _run(world, case)
    assert {a.code for a in case.approvals.all()} == {"grid_conditions", "fire_safety"}
    assert case.status == CaseStatus.CHANGED
    statuses = sorted(
        EVSE.objects.filter(location=permit.location).values_list("status", flat=True)
    )
    assert statuses == ["AVAILABLE", "AVAILABLE", "PLANNED"]
    permit.refresh_from_db()
    assert register.entry(permit)["evse_count"] == 3


def test_only_the_holder_changes_a_station_in_service() -> None:
    world = make_world("KZ")
    permit = _commissioned(world)
    with pytest.raises(PermissionDenied):
        aftercare.open_change(
            user=world.outsider, permit=permit, kind="decommission", decommission_mode="final"
        )
    issued = in_review(world)
    with pytest.raises((Conflict, PermissionDenied)):
        aftercare.open_change(
            user=world.applicant, permit=issued, kind="decommission", decommission_mode="final"
        )


def test_the_case_page_lets_the_applicant_appeal_and_the_secretariat_decide() -> None:
    world = make_world("KZ")
    case = in_review(world)
    services.decide_approval(
        user=world.reviewers["fire_safety"],
        approval=case.approvals.get(code="fire_safety"),
        approve=False,
        reason="too close",
    )
    applicant = Client()
    applicant.force_login(world.applicant)
    page = applicant.get(f"/permits/cases/{case.pk}/").content.decode()
    assert 'id="appeal-form"' in page
    assert 'id="resubmit"' in page
    response = applicant.post(f"/permits/cases/{case.pk}/appeal/", {"grounds": "42 m"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.APPEALED
    secretariat = Client()
    secretariat.force_login(world.secretariat)
    assert case.reference in secretariat.get("/permits/secretariat/").content.decode()
    secretariat.post(
        f"/permits/cases/{case.pk}/appeal/decision/", {"action": "grant", "reason": "42 m is fine"}
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
