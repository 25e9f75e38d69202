"""The clock: `tick` applies every deadline as of a moment (`kubat permits tick`).

Separate from `services` because it acts for nobody: it is Kubat's own actor, run on a
schedule, and must be idempotent.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy

from kubat.core.phrases import Phrase
from kubat.permits import decisions, notifications
from kubat.permits.models import (
    Approval,
    ApprovalStatus,
    AuditAction,
    CaseStatus,
    DecisionKind,
    PermitCase,
)
from kubat.permits.services import audit, issue_if_all_given, moment, start_ready_approvals


@dataclass(slots=True)
class TickReport:
    deemed: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"deemed": self.deemed, "escalated": self.escalated, "issued": self.issued}


def tick(*, now: datetime | None = None, case_ids: Collection[int] | None = None) -> TickReport:
    """Apply the deadlines as of `now`; idempotent, so it may run as often as a scheduler likes.

    - A pending approval past its deadline whose silence means consent is deemed approved,
      once (it is no longer pending afterwards), with an audit entry; the permit is issued
      if it was the last one.
    - Any other pending approval past its deadline, a completeness check past its deadline and
      a grid acceptance past its deadline are escalated to the secretariat, once (escalated_at).
    - A stopped clock (information requested) is never overdue.

    `case_ids` limits the tick to some cases (the demo replays each case on its own clock).
    """
    at = moment(now)
    report = TickReport()
    scope = (
        PermitCase.objects.all() if case_ids is None else PermitCase.objects.filter(pk__in=case_ids)
    )
    overdue = Approval.objects.filter(
        status=ApprovalStatus.PENDING,
        due_at__lt=at,
        case__status=CaseStatus.IN_REVIEW,
        case__in=scope,
    )
    for approval_id, case_id in overdue.order_by("case_id", "pk").values_list("pk", "case_id"):
        case = PermitCase.objects.select_for_update().get(pk=case_id)
        approval = Approval.objects.select_related("agency").get(pk=approval_id)
        if approval.status != ApprovalStatus.PENDING or case.status != CaseStatus.IN_REVIEW:
            continue
        label = f"{case.reference}/{approval.code}"
        if approval.silence_consent:
            assert approval.due_at is not None
            approval.status = ApprovalStatus.DEEMED_APPROVED
            approval.decided_at = approval.due_at
            approval.within_deadline = False
            approval.save()
            audit(
                case=case,
                action=AuditAction.DEEMED_APPROVED,
                at=at,
                approval=approval,
                note=f"no answer from {approval.agency.name} by {approval.due_at:%Y-%m-%d %H:%M}",
            )
            decisions.record_decision(
                case=case, kind=DecisionKind.APPROVAL, at=approval.due_at, approval=approval
            )
            report.deemed.append(label)
            start_ready_approvals(case, at)
            issue_if_all_given(case, at, None)
            if case.status == CaseStatus.ISSUED:
                report.issued.append(case.reference)
        elif approval.escalated_at is None:
            approval.escalated_at = at
            approval.save()
            _escalate(
                case,
                at,
                approval=approval,
                what=Phrase(
                    gettext_lazy("%(approval)s by %(agency)s"),
                    {"approval": approval.title, "agency": approval.agency.name},
                ),
            )
            report.escalated.append(label)
    late_checks = scope.filter(
        status=CaseStatus.SUBMITTED, completeness_due_at__lt=at, completeness_escalated_at=None
    )
    for case in late_checks:
        PermitCase.objects.filter(pk=case.pk).update(completeness_escalated_at=at)
        _escalate(case, at, what=Phrase(gettext_lazy("the completeness check")))
        report.escalated.append(f"{case.reference}/completeness")
    late_grid = scope.filter(
        status=CaseStatus.GRID_REQUESTED, grid_due_at__lt=at, grid_escalated_at=None
    ).select_related("grid_agency")
    for case in late_grid:
        PermitCase.objects.filter(pk=case.pk).update(grid_escalated_at=at)
        agency: str | Phrase = (
            case.grid_agency.name
            if case.grid_agency
            else Phrase(gettext_lazy("the distribution company"))
        )
        _escalate(
            case,
            at,
            what=Phrase(gettext_lazy("grid acceptance by %(agency)s"), {"agency": agency}),
        )
        report.escalated.append(f"{case.reference}/grid_acceptance")
    return report


def _escalate(
    case: PermitCase, at: datetime, *, what: str | Phrase, approval: Approval | None = None
) -> None:
    audit(
        case=case, action=AuditAction.ESCALATED, at=at, approval=approval, note=f"{what} is overdue"
    )
    notifications.notify(
        to=notifications.secretariat_addresses(),
        case=case,
        subject=Phrase(gettext_lazy("Overdue: %(what)s"), {"what": what}),
        body=Phrase(
            gettext_lazy(
                "%(what)s is past its deadline and silence does not count as consent here."
            ),
            {"what": what},
        ),
    )
