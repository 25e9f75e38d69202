"""Parallel agency decisions: the last two given at the same moment issue the permit once."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from kubat.permits import services
from kubat.permits.models import Approval, AuditAction, CaseStatus, PermitCase
from tests.permits.factories import T0, in_review, make_world

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_last_approvals_at_once_issue_the_permit_exactly_once() -> None:
    with transaction.atomic():  # services run inside the caller's transaction
        world = make_world("KZ")
        case = in_review(world)
        grid = case.approvals.get(code="grid_conditions")
        services.decide_approval(
            user=world.reviewers["distribution_company"], approval=grid, approve=True, now=T0
        )
    last_two = list(case.approvals.filter(code__in=["placement", "fire_safety"]))
    barrier = threading.Barrier(len(last_two))
    errors: list[BaseException] = []

    def decide(approval_id: int) -> None:
        try:
            approval = Approval.objects.select_related("agency", "case").get(pk=approval_id)
            barrier.wait(timeout=10)
            with transaction.atomic():
                services.decide_approval(
                    user=world.reviewers[approval.authority],
                    approval=approval,
                    approve=True,
                    now=T0,
                )
        except BaseException as exc:  # reported to the test thread below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=decide, args=(a.pk,)) for a in last_two]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    case = PermitCase.objects.get(pk=case.pk)
    assert case.status == CaseStatus.ISSUED
    assert case.audit.filter(action=AuditAction.ISSUED).count() == 1
