"""Reads and visibility: who sees which case, the applicant's list, the agencies' queues.

Visibility rule, everywhere (pages, attachments, PDF): the applicant organisation's members,
the secretariat, and reviewers of an agency that has an approval or the grid acceptance on the
case. Anyone else gets NotFound, so a URL does not even confirm that a case exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.core.errors import NotFound
from kubat.permits.models import (
    OPEN_APPROVAL,
    Approval,
    ApprovalStatus,
    Attachment,
    CaseKind,
    CaseStatus,
    PermitCase,
)

AnyUser = account_services.AnyUser
APPLICANT_KINDS = (Organisation.Kind.INVESTOR, Organisation.Kind.OPERATOR)


def is_secretariat(user: AnyUser) -> bool:
    return account_services.has_role(user, Role.SECRETARIAT)


def applicant_organisation(user: AnyUser) -> Organisation | None:
    """The investor or operator organisation `user` applies for, if any."""
    organisation = account_services.organisation_of(user)
    if organisation is None or organisation.kind not in APPLICANT_KINDS:
        return None
    return organisation


def reviewer_agency(user: AnyUser) -> Organisation | None:
    """The agency whose queue `user` works, if they are an agency reviewer."""
    if not account_services.has_role(user, Role.AGENCY_REVIEWER):
        return None
    organisation = account_services.organisation_of(user)
    if organisation is None or organisation.kind != Organisation.Kind.AGENCY:
        return None
    return organisation


def is_applicant_of(user: AnyUser, case: PermitCase) -> bool:
    organisation = applicant_organisation(user)
    return organisation is not None and organisation.pk == case.applicant_id


def can_view(user: AnyUser, case: PermitCase) -> bool:
    if is_applicant_of(user, case) or is_secretariat(user):
        return True
    organisation = applicant_organisation(user)
    if organisation is not None and organisation.pk in (case.transfer_to_id, case.holder_id):
        return True  # the recipient of a transfer, the holder of a transferred permit
    agency = reviewer_agency(user)
    if agency is None or case.status == CaseStatus.DRAFT:
        return False
    return case.grid_agency_id == agency.pk or case.approvals.filter(agency=agency).exists()


def visible_case(*, user: AnyUser, case_id: int) -> PermitCase:
    """The case, if `user` may see it; NotFound otherwise (also when it does not exist)."""
    case = PermitCase.objects.select_related("applicant").filter(pk=case_id).first()
    if case is None or not can_view(user, case):
        raise NotFound(gettext("permit case %(case_id)s does not exist") % {"case_id": case_id})
    return case


def visible_attachment(*, user: AnyUser, attachment_id: int) -> Attachment:
    attachment = Attachment.objects.select_related("case").filter(pk=attachment_id).first()
    if attachment is None or not can_view(user, attachment.case):
        raise NotFound(
            gettext("attachment %(attachment_id)s does not exist")
            % {"attachment_id": attachment_id}
        )
    return attachment


def applicant_cases(*, user: AnyUser) -> QuerySet[PermitCase]:
    """Only the user's own organisation's cases, drafts included, newest first."""
    organisation = applicant_organisation(user)
    if organisation is None:
        return PermitCase.objects.none()
    return PermitCase.objects.filter(applicant=organisation).order_by("-created_at", "-pk")


def visible_cases(*, user: AnyUser) -> QuerySet[PermitCase]:
    """Every case `user` may see (the visibility rule above), newest first."""
    cases = PermitCase.objects.select_related("applicant").order_by("-created_at", "-pk")
    if is_secretariat(user):
        return cases
    rule = Q(pk__in=[])
    organisation = applicant_organisation(user)
    if organisation is not None:
        rule |= Q(applicant=organisation) | Q(transfer_to=organisation) | Q(holder=organisation)
    agency = reviewer_agency(user)
    if agency is not None:
        rule |= ~Q(status=CaseStatus.DRAFT) & (Q(approvals__agency=agency) | Q(grid_agency=agency))
    return cases.filter(rule).distinct()


def reviewer_queue(*, user: AnyUser) -> QuerySet[Approval]:
    """Open approvals of the user's own agency, most urgent first."""
    agency = reviewer_agency(user)
    if agency is None:
        return Approval.objects.none()
    return (
        Approval.objects.select_related("case", "case__applicant")
        .prefetch_related("info_requests")
        .filter(agency=agency, status__in=OPEN_APPROVAL, case__status=CaseStatus.IN_REVIEW)
        .order_by("due_at", "pk")
    )


def grid_queue(*, user: AnyUser) -> QuerySet[PermitCase]:
    """Cases waiting for the user's distribution company to accept the grid connection."""
    agency = reviewer_agency(user)
    if agency is None:
        return PermitCase.objects.none()
    return PermitCase.objects.filter(grid_agency=agency, status=CaseStatus.GRID_REQUESTED).order_by(
        "grid_due_at", "pk"
    )


def completeness_queue() -> QuerySet[PermitCase]:
    return (
        PermitCase.objects.select_related("applicant")
        .filter(status=CaseStatus.SUBMITTED)
        .order_by("completeness_due_at", "pk")
    )


def escalated_approvals() -> QuerySet[Approval]:
    return (
        Approval.objects.select_related("case", "agency")
        .filter(status__in=OPEN_APPROVAL, escalated_at__isnull=False)
        .order_by("due_at")
    )


@dataclass(frozen=True, slots=True)
class NextStep:
    """Who must act next on a case, what they must do, and by when (None: no statutory term)."""

    actor: str
    action: str
    due_at: datetime | None = None
    clock_stopped: bool = False


def next_steps(case: PermitCase) -> list[NextStep]:
    """The steps open on a case now, one per actor: what the case page shows at its top."""
    applicant = case.applicant.name
    status = case.status
    if status in (CaseStatus.DRAFT, CaseStatus.RETURNED):
        return [NextStep(applicant, str(_("complete and submit the application")))]
    if status == CaseStatus.SUBMITTED:
        check = NextStep(
            str(_("E-mobility secretariat")),
            str(_("check completeness")),
            case.completeness_due_at,
        )
        if case.fee_outstanding > 0:
            pay = str(_("pay the fee (reference %(ref)s)")) % {"ref": case.payment_reference}
            return [NextStep(applicant, pay), check]
        return [check]
    if status == CaseStatus.IN_REVIEW:
        steps = []
        for approval in case.approvals.select_related("agency").filter(status__in=OPEN_APPROVAL):
            if approval.status == ApprovalStatus.INFO_REQUESTED:
                steps.append(
                    NextStep(
                        applicant,
                        str(_("answer %(agency)s's question")) % {"agency": approval.agency.name},
                        clock_stopped=True,
                    )
                )
            else:
                steps.append(NextStep(approval.agency.name, approval.title, approval.due_at))
        return steps
    if status == CaseStatus.APPEALED:
        return [
            NextStep(
                str(_("E-mobility secretariat")),
                str(_("decide the appeal")),
                case.appeal_decision_due_at,
            )
        ]
    if status == CaseStatus.ISSUED:
        return [NextStep(applicant, str(_("start construction")))]
    if status == CaseStatus.CONSTRUCTION:
        return [NextStep(applicant, str(_("finish building, then request grid acceptance")))]
    if status == CaseStatus.GRID_REQUESTED:
        name = case.grid_agency.name if case.grid_agency else ""
        return [NextStep(name, str(_("accept the grid connection and meter")), case.grid_due_at)]
    if status == CaseStatus.GRID_ACCEPTED:
        return [NextStep(applicant, str(_("commission the station")))]
    return []


def overdue_cases() -> QuerySet[PermitCase]:
    """Completeness checks and grid acceptances the tick has escalated and nobody closed."""
    return (
        PermitCase.objects.select_related("grid_agency")
        .filter(
            Q(status=CaseStatus.SUBMITTED, completeness_escalated_at__isnull=False)
            | Q(status=CaseStatus.GRID_REQUESTED, grid_escalated_at__isnull=False)
        )
        .order_by("pk")
    )


def agency_users_q(agency: Organisation) -> Q:
    return Q(membership__organisation=agency, groups__name=Role.AGENCY_REVIEWER.value)


def open_appeals() -> QuerySet[PermitCase]:
    """Appealed refusals waiting for the appeals panel, the most urgent first."""
    return (
        PermitCase.objects.select_related("applicant")
        .filter(status=CaseStatus.APPEALED)
        .order_by("appeal_decision_due_at", "pk")
    )


# Cases on their way to the registry: submitted and neither refused nor commissioned yet (a
# commissioned case is in the registry as PLANNED EVSEs, counted there instead).
PIPELINE_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.RETURNED,
    CaseStatus.IN_REVIEW,
    CaseStatus.ISSUED,
    CaseStatus.CONSTRUCTION,
    CaseStatus.GRID_REQUESTED,
    CaseStatus.GRID_ACCEPTED,
)


def pipeline_sites(*, country_code: str | None = None) -> list[dict[str, Any]]:
    """Planned sites of applications in progress (PIPELINE_STATUSES), for insights.

    Public figures only: the site's reference, region, coordinates, planned kW and whether it
    plans DC, never the applicant. Used as pipeline power and as siting candidates.
    """
    # Only new stations are new sites: a modification, transfer or decommissioning is a case
    # about a station already in the registry.
    # A case already in the registry as pipeline (a PPP award's permit, delivery.enter_pipeline)
    # is counted there, not twice.
    cases = PermitCase.objects.filter(
        status__in=PIPELINE_STATUSES, kind=CaseKind.NEW, location__isnull=True
    )
    if country_code:
        cases = cases.filter(country_code=country_code)
    return [
        {
            "reference": case.reference,
            "country_code": case.country_code,
            "region": case.region,
            "lat": case.latitude,
            "lon": case.longitude,
            "total_kw": case.total_kw,
            "has_dc": case.has_dc,
            "status": case.status,
            "source": case.source,
        }
        for case in cases.order_by("pk")
    ]
