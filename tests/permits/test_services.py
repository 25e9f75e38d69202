"""The case lifecycle: who may act at each step, deadlines, parallel approvals, the outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.mail import EmailMessage
from pytest_django import DjangoCaptureOnCommitCallbacks

from kubat.core.errors import Conflict, InvalidInput, PermissionDenied
from kubat.permits import delivery, services
from kubat.permits.models import (
    ApprovalStatus,
    AuditAction,
    CaseStatus,
)
from kubat.registry.models import Location
from tests.permits.factories import (
    T0,
    application,
    draft,
    in_review,
    make_world,
    pay,
)

pytestmark = pytest.mark.django_db


def test_submission_refuses_connectors_outside_the_country_profile() -> None:
    world = make_world("KZ")
    case = draft(
        world,
        planned_evses=[{"count": 1, "power_type": "DC", "max_kw": 50, "standards": ["CHADEMO"]}],
    )
    with pytest.raises(InvalidInput, match="must offer one of GBT_DC, IEC_62196_T2_COMBO"):
        services.submit_case(user=world.applicant, case=case, now=T0)


def test_submission_lists_every_missing_item_at_once() -> None:
    world = make_world("KZ")
    case = services.create_draft(
        user=world.applicant,
        application=application("KZ", planned_evses=[], land_document="", grid_capacity_kw=0),
        now=T0,
    )
    with pytest.raises(InvalidInput) as caught:
        services.submit_case(user=world.applicant, case=case, now=T0)
    for words in ("EVSE", "document's number", "grid capacity", "attach the land right"):
        assert words in caught.value.message


def test_only_the_applicant_organisation_submits() -> None:
    world = make_world("KZ")
    case = draft(world)
    with pytest.raises(PermissionDenied):
        services.submit_case(user=world.outsider, case=case, now=T0)


def test_completeness_deadline_is_two_business_days_in_kazakhstan() -> None:
    world = make_world("KZ")
    case = draft(world)
    case = services.submit_case(user=world.applicant, case=case, now=T0)
    assert case.track == "permit"
    # Thursday 1 Oct + 2 business days = Monday 5 Oct, ending at local midnight (UTC+5).
    assert case.completeness_due_at == datetime(2026, 10, 5, 19, 0, tzinfo=UTC)


def test_incomplete_case_goes_back_to_the_applicant_and_can_be_resubmitted() -> None:
    world = make_world("KZ")
    case = services.submit_case(user=world.applicant, case=draft(world), now=T0)
    with pytest.raises(InvalidInput):
        services.check_completeness(user=world.secretariat, case=case, complete=False, now=T0)
    case = services.check_completeness(
        user=world.secretariat, case=case, complete=False, reason="lease is unsigned", now=T0
    )
    assert case.status == CaseStatus.RETURNED
    case = services.submit_case(user=world.applicant, case=case, now=T0 + timedelta(days=1))
    assert case.status == CaseStatus.SUBMITTED
    assert case.first_submitted_at == T0


def test_only_the_secretariat_checks_completeness() -> None:
    world = make_world("KZ")
    case = services.submit_case(user=world.applicant, case=draft(world), now=T0)
    with pytest.raises(PermissionDenied):
        services.check_completeness(
            user=world.reviewers["municipality"], case=case, complete=True, now=T0
        )


def test_acceptance_starts_every_agency_clock_in_parallel() -> None:
    world = make_world("KZ")
    case = in_review(world)
    approvals = list(case.approvals.all())
    assert {a.code for a in approvals} == {"placement", "grid_conditions", "fire_safety"}
    assert {a.status for a in approvals} == {ApprovalStatus.PENDING}
    # 10 business days from Thursday 1 Oct 2026 = Thursday 15 Oct, end of day in Almaty.
    assert {a.due_at for a in approvals} == {datetime(2026, 10, 15, 19, 0, tzinfo=UTC)}


def test_state_expertise_waits_for_placement_and_grid_conditions() -> None:
    world = make_world("KG")
    big = [{"count": 4, "power_type": "DC", "max_kw": 120, "standards": ["GBT_DC"]}]
    case = in_review(world, planned_evses=big)
    assert case.track == "general"
    expertise = case.approvals.get(code="state_expertise")
    assert expertise.status == ApprovalStatus.WAITING
    later = T0 + timedelta(days=2)
    for code in ("placement", "grid_conditions"):
        services.decide_approval(
            user=world.reviewers[case.approvals.get(code=code).authority],
            approval=case.approvals.get(code=code),
            approve=True,
            now=later,
        )
    expertise.refresh_from_db()
    assert expertise.status == ApprovalStatus.PENDING
    assert expertise.started_at == later


def test_last_approval_issues_the_permit_with_a_number() -> None:
    world = make_world("KZ")
    case = in_review(world)
    for approval in case.approvals.all():
        services.decide_approval(
            user=world.reviewers[approval.authority], approval=approval, approve=True, now=T0
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.ISSUED
    assert case.permit_number == f"KZ-P-2026-{case.pk:06d}"
    assert case.approvals.filter(within_deadline=True).count() == 3


def test_a_reviewer_decides_only_their_own_agency_approval() -> None:
    world = make_world("KZ")
    case = in_review(world)
    with pytest.raises(PermissionDenied):
        services.decide_approval(
            user=world.reviewers["fire_safety"],
            approval=case.approvals.get(code="placement"),
            approve=True,
        )


def test_rejection_needs_a_reason_and_ends_the_case() -> None:
    world = make_world("KZ")
    case = in_review(world)
    placement = case.approvals.get(code="placement")
    reviewer = world.reviewers["municipality"]
    with pytest.raises(InvalidInput):
        services.decide_approval(user=reviewer, approval=placement, approve=False)
    services.decide_approval(
        user=reviewer, approval=placement, approve=False, reason="protected green zone", now=T0
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    assert "protected green zone" in case.rejection_reason
    assert set(case.approvals.exclude(pk=placement.pk).values_list("status", flat=True)) == {
        ApprovalStatus.CANCELLED
    }
    with pytest.raises(Conflict):
        services.decide_approval(
            user=world.reviewers["fire_safety"],
            approval=case.approvals.get(code="fire_safety"),
            approve=True,
        )


def test_information_request_stops_only_that_agency_clock() -> None:
    world = make_world("KZ")
    case = in_review(world)
    fire = case.approvals.get(code="fire_safety")
    original_due = fire.due_at
    asked = T0 + timedelta(days=6)  # Wednesday 7 Oct: 4 business days used, 6 left
    info = services.request_information(
        user=world.reviewers["fire_safety"],
        approval=fire,
        question="Distance to the fuel tank?",
        now=asked,
    )
    fire.refresh_from_db()
    assert fire.status == ApprovalStatus.INFO_REQUESTED
    assert fire.days_left_at_pause == 6
    answered = datetime(2026, 10, 19, 5, 0, tzinfo=UTC)  # Monday, 12 days later
    services.answer_information(
        user=world.applicant, info_request=info, answer="35 m, plan attached", now=answered
    )
    fire.refresh_from_db()
    assert fire.status == ApprovalStatus.PENDING
    # 6 business days after Monday 19 Oct: 20-23 Oct, 27 and 28 Oct (26 Oct is Republic Day
    # observed), so the clock now runs out at the end of Wednesday 28 Oct.
    assert fire.due_at == datetime(2026, 10, 28, 19, 0, tzinfo=UTC)
    assert fire.due_at > original_due
    placement = case.approvals.get(code="placement")
    assert placement.due_at == original_due


def test_only_the_applicant_answers_questions() -> None:
    world = make_world("KZ")
    case = in_review(world)
    info = services.request_information(
        user=world.reviewers["municipality"],
        approval=case.approvals.get(code="placement"),
        question="Which parking bays?",
    )
    with pytest.raises(PermissionDenied):
        services.answer_information(user=world.outsider, info_request=info, answer="all")


def test_notification_track_is_acknowledged_at_acceptance() -> None:
    world = make_world("KZ")
    small = [{"count": 1, "power_type": "AC_3_PHASE", "max_kw": 11, "standards": ["GBT_AC"]}]
    case = in_review(world, planned_evses=small, grid_capacity_kw=11)
    assert case.track == "notification"
    assert case.status == CaseStatus.ISSUED


def test_commissioning_puts_the_station_in_the_registry_as_planned() -> None:
    world = make_world("KG")
    case = in_review(world)
    for approval in case.approvals.all():
        services.decide_approval(
            user=world.reviewers[approval.authority], approval=approval, approve=True, now=T0
        )
    case.refresh_from_db()
    delivery.start_construction(user=world.applicant, case=case, now=T0 + timedelta(days=20))
    delivery.request_grid_acceptance(user=world.applicant, case=case, now=T0 + timedelta(days=60))
    with pytest.raises(PermissionDenied):
        delivery.accept_grid(user=world.reviewers["municipality"], case=case, meter_number="M1")
    delivery.accept_grid(
        user=world.reviewers["distribution_company"],
        case=case,
        meter_number="SE-0042",
        now=T0 + timedelta(days=75),
    )
    location = delivery.commission_case(
        user=world.applicant, case=case, now=T0 + timedelta(days=80)
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REGISTRY
    assert case.location_id == location.pk
    stored = Location.objects.get(pk=location.pk)
    assert stored.source == "permit"
    assert stored.evses.count() == 2
    assert stored.evse_count == 0  # EVSEs in service: none until the operator reports them
    assert set(stored.evses.values_list("status", flat=True)) == {"PLANNED"}
    assert stored.max_power_kw == 60
    assert case.audit.filter(action=AuditAction.REGISTERED).exists()


def test_every_step_leaves_an_audit_entry() -> None:
    world = make_world("KZ")
    case = in_review(world)
    actions = list(case.audit.values_list("action", flat=True))
    assert actions[:6] == [
        "created",
        "attached",
        "submitted",
        "fee_paid",
        "accepted",
        "approval_started",
    ]
    assert actions.count("approval_started") == 3


def test_the_side_that_acts_next_gets_an_email(
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    world = make_world("KZ")
    case = draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_case(user=world.applicant, case=case, now=T0)
    assert mailoutbox[-1].to == [world.secretariat.email]
    pay(world, case)
    with django_capture_on_commit_callbacks(execute=True):
        services.check_completeness(user=world.secretariat, case=case, complete=True, now=T0)
    reviewers = {m.to[0] for m in mailoutbox[1:]}
    assert reviewers == {
        world.reviewers[a].email for a in ("municipality", "distribution_company", "fire_safety")
    }


def test_the_permit_pdf_carries_its_number() -> None:
    from kubat.permits.pdf import render_permit

    world = make_world("KZ")
    case = in_review(world)
    for approval in case.approvals.all():
        services.decide_approval(
            user=world.reviewers[approval.authority], approval=approval, approve=True, now=T0
        )
    case.refresh_from_db()
    body = render_permit(case)
    assert body.startswith(b"%PDF-")
    assert case.permit_number.encode() in body


def test_the_case_says_who_must_act_next_and_by_when() -> None:
    from kubat.permits.selectors import next_steps

    world = make_world("KZ")
    case = in_review(world)
    steps = next_steps(case)
    assert {s.actor for s in steps} == {
        world.agencies[a].name for a in ("municipality", "distribution_company", "fire_safety")
    }
    assert all(s.due_at is not None for s in steps)
    services.request_information(
        user=world.reviewers["fire_safety"],
        approval=case.approvals.get(code="fire_safety"),
        question="Which bays?",
        now=T0,
    )
    waiting = [s for s in next_steps(case) if s.clock_stopped]
    assert [s.actor for s in waiting] == [world.applicant_org.name]


def test_a_regional_agency_wins_over_the_country_wide_one() -> None:
    from kubat.accounts.models import Organisation
    from kubat.permits.models import AgencyAssignment

    world = make_world("KG")
    city_office = Organisation.objects.create(
        name="Bishkek city architecture office", kind="agency", country_code="KG"
    )
    AgencyAssignment.objects.create(
        country_code="KG", authority="municipality", region="Bishkek", agency=city_office
    )
    in_bishkek = in_review(world, region="Bishkek")
    elsewhere = in_review(world, region="Osh", city="Osh")
    assert in_bishkek.approvals.get(code="placement").agency == city_office
    assert elsewhere.approvals.get(code="placement").agency == world.agencies["municipality"]


def test_submission_names_an_authority_without_agency() -> None:
    from kubat.permits.models import AgencyAssignment

    world = make_world("KZ")
    AgencyAssignment.objects.filter(authority="fire_safety").delete()
    with pytest.raises(Conflict, match="fire_safety"):
        services.submit_case(user=world.applicant, case=draft(world), now=T0)
