"""`kubat permits tick`: silence means consent once, other overdue approvals escalate once."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kubat.permits import services
from kubat.permits.models import ApprovalStatus, AuditAction, CaseStatus
from tests.permits.factories import T0, in_review, make_world

pytestmark = pytest.mark.django_db


def _tick(now: str) -> dict[str, list[str]]:
    out = StringIO()
    call_command("permits", "tick", "--now", now, stdout=out)
    return json.loads(out.getvalue())


def test_tick_deems_the_silent_approval_given_once_however_often_it_runs() -> None:
    world = make_world("KZ")
    case = in_review(world)
    for code in ("placement", "grid_conditions"):
        approval = case.approvals.get(code=code)
        services.decide_approval(
            user=world.reviewers[approval.authority], approval=approval, approve=True, now=T0
        )
    assert _tick("2026-10-15T18:00:00Z") == {"deemed": [], "escalated": [], "issued": []}
    first = _tick("2026-10-16T09:00:00Z")
    assert first["deemed"] == [f"{case.reference}/fire_safety"]
    assert first["issued"] == [case.reference]
    for _ in range(3):
        assert _tick("2026-10-20T09:00:00Z") == {"deemed": [], "escalated": [], "issued": []}
    fire = case.approvals.get(code="fire_safety")
    assert fire.status == ApprovalStatus.DEEMED_APPROVED
    assert fire.within_deadline is False
    assert case.audit.filter(action=AuditAction.DEEMED_APPROVED).count() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.ISSUED


def test_tick_escalates_an_overdue_approval_without_silence_consent_once() -> None:
    world = make_world("KG")
    big = [{"count": 4, "power_type": "DC", "max_kw": 120, "standards": ["GBT_DC"]}]
    case = in_review(world, planned_evses=big)
    for code in ("placement", "grid_conditions", "fire_safety"):
        approval = case.approvals.get(code=code)
        services.decide_approval(
            user=world.reviewers[approval.authority], approval=approval, approve=True, now=T0
        )
    expertise = case.approvals.get(code="state_expertise")
    late = (expertise.due_at + timedelta(hours=1)).isoformat()
    assert _tick(late)["escalated"] == [f"{case.reference}/state_expertise"]
    assert _tick(late)["escalated"] == []
    expertise.refresh_from_db()
    assert expertise.status == ApprovalStatus.PENDING
    assert case.audit.filter(action=AuditAction.ESCALATED).count() == 1


def test_a_stopped_clock_is_never_overdue() -> None:
    world = make_world("KZ")
    case = in_review(world)
    placement = case.approvals.get(code="placement")
    services.request_information(
        user=world.reviewers["municipality"], approval=placement, question="Bays?", now=T0
    )
    report = _tick("2026-12-01T09:00:00Z")
    assert f"{case.reference}/placement" not in report["deemed"]
    placement.refresh_from_db()
    assert placement.status == ApprovalStatus.INFO_REQUESTED


def test_tick_escalates_a_late_completeness_check() -> None:
    world = make_world("KZ")
    from tests.permits.factories import draft

    case = services.submit_case(user=world.applicant, case=draft(world), now=T0)
    assert _tick("2026-10-06T09:00:00Z")["escalated"] == [f"{case.reference}/completeness"]
    assert _tick("2026-10-07T09:00:00Z")["escalated"] == []


def test_tick_refuses_a_clock_that_is_not_a_date() -> None:
    with pytest.raises(CommandError) as caught:
        call_command("permits", "tick", "--now", "yesterday")
    assert caught.value.returncode == 2


def test_tick_escalates_a_late_grid_acceptance_once() -> None:
    from kubat.permits import delivery

    world = make_world("KZ")
    small = [{"count": 1, "power_type": "AC_3_PHASE", "max_kw": 11, "standards": ["GBT_AC"]}]
    case = in_review(world, planned_evses=small, grid_capacity_kw=11)  # notification: issued
    delivery.start_construction(user=world.applicant, case=case, now=T0)
    case = delivery.request_grid_acceptance(user=world.applicant, case=case, now=T0)
    assert case.grid_due_at is not None
    late = (case.grid_due_at + timedelta(minutes=1)).isoformat()
    assert _tick(late)["escalated"] == [f"{case.reference}/grid_acceptance"]
    assert _tick(late)["escalated"] == []
