"""The case lifecycle, one service per step; each checks who may act, sets deadlines, audits.

    draft ──submit──▶ submitted ──accept──▶ in_review ──all given──▶ issued ──▶ construction
      ▲                   │                    │                                    │
      └─────return────────┘                 reject ──▶ rejected          request grid acceptance
                                                                                    ▼
     in_registry ◀──commission (creates the registry location)── grid_accepted ◀── grid_requested

Who acts: the applicant organisation's members draft, submit, answer questions, report
construction, ask for grid acceptance and commission; the secretariat checks completeness;
each agency's reviewers decide their own approval; the distribution company's reviewers accept
the grid connection; `clock.tick` deems silent approvals given and escalates the rest.

Every service takes `now` so that the tick, the demo and tests can run on a set clock, raises
PermissionDenied for the wrong actor and Conflict for the wrong state, and relies on the
caller's transaction. Steps that can race (parallel agency decisions, the tick) lock the case
row first, so that exactly one of them sees the last approval given and issues the permit.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from pydantic import ValidationError

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.core import validation
from kubat.core.errors import Conflict, InvalidInput, PermissionDenied
from kubat.core.phrases import Phrase
from kubat.permits import (
    attachments,
    decisions,
    notifications,
    payments,
    selectors,
    signals,
    webhooks,
)
from kubat.permits.models import (
    GIVEN_APPROVAL,
    OPEN_APPROVAL,
    AgencyAssignment,
    Approval,
    ApprovalStatus,
    Attachment,
    AttachmentKind,
    AuditAction,
    AuditEntry,
    CaseKind,
    CaseStatus,
    DecisionKind,
    InfoRequest,
    PermitCase,
)
from kubat.permits.schemas import Application, EvseGroup
from kubat.permits.standards import check_planned_connectors
from kubat.permits.tracks import DayKind, rules_for
from kubat.permits.workdays import days_left, deadline

AnyUser = account_services.AnyUser
EDITABLE = (CaseStatus.DRAFT, CaseStatus.RETURNED)
SYSTEM = "Kubat"


def moment(now: datetime | None) -> datetime:
    """The time a step happens: the caller's (demo, tests, the clock's --now) or now."""
    return now or timezone.now()


def acting_user(user: AnyUser | None) -> User | None:
    """The user as a row to point at (None for the clock or an anonymous caller)."""
    return user if isinstance(user, User) else None


def _label(user: AnyUser | None) -> str:
    if user is None:
        return SYSTEM
    organisation = account_services.organisation_of(user)
    return organisation.name if organisation else str(user)


def audit(
    *,
    case: PermitCase,
    action: AuditAction,
    at: datetime,
    user: AnyUser | None = None,
    approval: Approval | None = None,
    note: str = "",
) -> AuditEntry:
    """Append an audit entry and queue it for the case's webhooks; `user` None means Kubat
    itself (the tick, a payment provider)."""
    entry = AuditEntry.objects.create(
        case=case,
        action=action,
        at=at,
        actor=acting_user(user),
        actor_label=_label(user),
        approval=approval,
        note=note,
    )
    webhooks.enqueue(case=case, entry=entry)
    return entry


def lock_case(case: PermitCase) -> PermitCase:
    """Re-read the case under a row lock (see the module docstring for why)."""
    return PermitCase.objects.select_for_update().get(pk=case.pk)


def require_applicant(user: AnyUser, case: PermitCase) -> None:
    """PermissionDenied unless the user belongs to the case's applicant organisation."""
    if not selectors.is_applicant_of(user, case):
        raise PermissionDenied(gettext("only the applicant organisation's members may do this"))


def require_status(case: PermitCase, *allowed: CaseStatus) -> None:
    """Conflict unless the case is in one of the allowed states: each step has its moment."""
    if case.status not in allowed:
        names = ", ".join(str(s.label) for s in allowed)
        raise Conflict(
            gettext("case %(reference)s is %(value1)s, not %(names)s")
            % {"reference": case.reference, "value1": case.get_status_display(), "names": names}
        )


# The application -----------------------------------------------------------------------------


def parse_application(data: dict[str, object]) -> Application:
    """Validate raw application data; InvalidInput names the first wrong field."""
    try:
        return Application.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise InvalidInput(
            gettext("%(where)s: %(value1)s")
            % {"where": where, "value1": validation.message(error)},
            field=where,
        ) from None


def _apply(case: PermitCase, application: Application) -> None:
    for name, value in application.model_dump().items():
        setattr(case, name, value)
    case.party_id = application.party_id.upper()


def create_draft(
    *, user: AnyUser, application: Application, now: datetime | None = None, source: str = "portal"
) -> PermitCase:
    """Save a new draft for the user's investor or operator organisation."""
    organisation = selectors.applicant_organisation(user)
    if organisation is None:
        raise PermissionDenied(
            gettext("applying needs membership of an investor or operator organisation")
        )
    return create_draft_for(
        organisation=organisation, application=application, user=user, now=now, source=source
    )


def create_draft_for(
    *,
    organisation: Organisation,
    application: Application,
    user: AnyUser | None,
    now: datetime | None = None,
    source: str = "portal",
    note: str = "",
) -> PermitCase:
    """Save a new draft for `organisation`, opened by `user` (an applicant, or the secretariat
    when an award of a PPP call opens the winner's case pre-filled; `note` says so in the
    audit trail). The applicant then completes and submits it as any other draft."""
    at = moment(now)
    case = PermitCase(
        applicant=organisation, created_by=acting_user(user), created_at=at, source=source
    )
    _apply(case, application)
    case.save()
    audit(case=case, action=AuditAction.CREATED, at=at, user=user, note=note)
    return case


def update_draft(
    *, user: AnyUser, case: PermitCase, application: Application, now: datetime | None = None
) -> PermitCase:
    """Replace a draft's (or returned case's) data; the country cannot change once chosen."""
    require_applicant(user, case)
    require_status(case, *EDITABLE)
    if case.kind != CaseKind.NEW:
        raise Conflict(
            gettext("a %(value1)s case keeps the permit's application")
            % {"value1": case.get_kind_display()}
        )
    if application.country_code != case.country_code:
        raise InvalidInput(gettext("the country of a case cannot change"), field="country_code")
    _apply(case, application)
    case.save()
    audit(case=case, action=AuditAction.UPDATED, at=moment(now), user=user)
    return case


def add_attachment(
    *,
    user: AnyUser,
    case: PermitCase,
    upload: UploadedFile[bytes],
    kind: str,
    info_request: InfoRequest | None = None,
    now: datetime | None = None,
) -> Attachment:
    """Store a checked upload (see `attachments`) for a case the user applies for.

    Documents are added while the case is editable, or to answer an open information request.
    """
    require_applicant(user, case)
    if kind not in AttachmentKind.values:
        raise InvalidInput(
            gettext("unknown document kind %(kind)s") % {"kind": repr(kind)}, field="kind"
        )
    if info_request is None:
        require_status(case, *EDITABLE)
    elif info_request.answered_at is not None or info_request.approval.case_id != case.pk:
        raise Conflict(gettext("that information request is not open on this case"))
    content_type, suffix = attachments.check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    at = moment(now)
    name = (upload.name or "upload")[:200]
    attachment = Attachment(
        case=case,
        info_request=info_request,
        kind=kind,
        original_name=name,
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=acting_user(user),
        uploaded_at=at,
    )
    attachment.file.save(f"upload{suffix}", upload, save=False)
    attachment.save()
    audit(case=case, action=AuditAction.ATTACHED, at=at, user=user, note=name)
    return attachment


def submission_problems(case: PermitCase) -> list[str]:
    """Everything that stops a draft from being submitted, in words for the applicant.

    A change of a commissioned station has its own (`aftercare.change_problems`); its land
    right and documents are the permit's.
    """
    from kubat.permits import aftercare

    if case.kind != CaseKind.NEW:
        changes = aftercare.change_problems(case)
        if case.kind == CaseKind.MODIFICATION:
            planned = [EvseGroup.model_validate(g) for g in case.planned_evses]
            changes.extend(check_planned_connectors(country_code=case.country_code, groups=planned))
        return changes
    problems: list[str] = []
    groups = [EvseGroup.model_validate(g) for g in case.planned_evses]
    if not groups:
        problems.append("plan at least one EVSE")
    if not case.land_document:
        problems.append("give the land right document's number")
    if case.grid_capacity_kw <= 0:
        problems.append("state the grid capacity requested in kW")
    if not case.attachments.filter(kind=AttachmentKind.LAND_RIGHT).exists():
        problems.append("attach the land right document")
    problems.extend(check_planned_connectors(country_code=case.country_code, groups=groups))
    return problems


def assigned_agency(case: PermitCase, authority: str) -> AgencyAssignment:
    """The agency that reviews for `authority` in the case's region, else country-wide."""
    assignment = (
        AgencyAssignment.objects.select_related("agency")
        .filter(country_code=case.country_code, authority=authority, region__in=[case.region, ""])
        .order_by("-region")  # the regional assignment before the country-wide one
        .first()
    )
    if assignment is None:
        raise Conflict(
            gettext(
                "no agency acts as %(authority)s for %(region)s (%(country_code)s); "
                "the secretariat must assign one"
            )
            % {"authority": authority, "region": case.region, "country_code": case.country_code}
        )
    return assignment


def submit_case(*, user: AnyUser, case: PermitCase, now: datetime | None = None) -> PermitCase:
    """Submit a draft or a returned case: picks its track and starts the completeness clock.

    Refused with InvalidInput listing every problem (missing data or document, connectors
    outside the country's standard profile), so the applicant can fix them all at once.
    """
    case = lock_case(case)
    require_applicant(user, case)
    require_status(case, *EDITABLE)
    problems = submission_problems(case)
    if problems:
        raise InvalidInput("; ".join(problems), field="application")
    rules = rules_for(case.country_code)
    if case.kind == CaseKind.NEW:
        track = rules.track_for(total_kw=case.total_kw, has_dc=case.has_dc)
    else:
        track = rules.track(case.kind)
    for spec in track.approvals:
        assigned_agency(case, spec.authority)  # fail now, not at acceptance
    at = moment(now)
    case.track = track.code
    payments.assign_fee(case=case, track=track)
    payments.credit_refused_fee(case=case, at=at, fee_credited=rules.resubmission.fee_credited)
    case.status = CaseStatus.SUBMITTED
    case.first_submitted_at = case.first_submitted_at or at
    case.submitted_at = at
    case.completeness_escalated_at = None
    case.completeness_due_at = deadline(
        start=at,
        days=rules.completeness.days,
        kind=rules.completeness.day_kind,
        country_code=case.country_code,
    )
    case.save()
    audit(case=case, action=AuditAction.SUBMITTED, at=at, user=user, note=track.title)
    notifications.notify(
        to=notifications.secretariat_addresses(),
        case=case,
        subject=Phrase(gettext_lazy("New application to check for completeness")),
        body=Phrase(
            gettext_lazy("Check completeness by %(when)s UTC."), {"when": case.completeness_due_at}
        ),
    )
    return case


# Completeness --------------------------------------------------------------------------------


def check_completeness(
    *,
    user: AnyUser,
    case: PermitCase,
    complete: bool,
    reason: str = "",
    now: datetime | None = None,
) -> PermitCase:
    """The secretariat accepts a submitted case (every agency's clock starts) or returns it.

    A return needs a reason the applicant can act on. Acceptance needs the track's fee paid
    in full (Conflict naming the amount and the reference otherwise). A track without
    approvals (a notification) is issued at acceptance.
    """
    if not selectors.is_secretariat(user):
        raise PermissionDenied(gettext("the completeness check is the secretariat's"))
    case = lock_case(case)
    require_status(case, CaseStatus.SUBMITTED)
    at = moment(now)
    if not complete:
        if not reason.strip():
            raise InvalidInput(gettext("say what is missing"), field="reason")
        case.status = CaseStatus.RETURNED
        case.returned_reason = reason.strip()
        case.save()
        audit(case=case, action=AuditAction.RETURNED, at=at, user=user, note=case.returned_reason)
        notifications.notify(
            to=notifications.applicant_addresses(case),
            case=case,
            subject=Phrase(gettext_lazy("Your application is incomplete")),
            body=Phrase(
                gettext_lazy("The secretariat returned it: %(reason)s"),
                {"reason": case.returned_reason},
            ),
        )
        return case
    unpaid = payments.fee_problem(case)
    if unpaid:
        raise Conflict(unpaid, field="fee")
    from kubat.permits import aftercare

    waiting = aftercare.completeness_problem(case)
    if waiting:
        raise Conflict(waiting, field="transfer_to")
    case.status = CaseStatus.IN_REVIEW
    case.accepted_at = at
    case.save()
    audit(case=case, action=AuditAction.ACCEPTED, at=at, user=user)
    track = rules_for(case.country_code).track(case.track)
    for spec in track.approvals:
        Approval.objects.create(
            case=case,
            code=spec.code,
            title=spec.title,
            authority=spec.authority,
            agency=assigned_agency(case, spec.authority).agency,
            requires=list(spec.requires),
            days=spec.days,
            day_kind=spec.day_kind,
            silence_consent=spec.silence_consent,
        )
    start_ready_approvals(case, at)
    issue_if_all_given(case, at, user)
    return case


def start_ready_approvals(case: PermitCase, at: datetime) -> None:
    """Start the clock of every waiting approval whose prerequisites are all given."""
    given = set(case.approvals.filter(status__in=GIVEN_APPROVAL).values_list("code", flat=True))
    for approval in case.approvals.filter(status=ApprovalStatus.WAITING).select_related("agency"):
        if not set(approval.requires) <= given:
            continue
        approval.status = ApprovalStatus.PENDING
        approval.started_at = at
        approval.due_at = deadline(
            start=at,
            days=approval.days,
            kind=DayKind(approval.day_kind),
            country_code=case.country_code,
        )
        approval.save()
        audit(case=case, action=AuditAction.APPROVAL_STARTED, at=at, approval=approval)
        notifications.notify(
            to=notifications.agency_addresses(approval.agency),
            case=case,
            subject=Phrase(
                gettext_lazy("%(approval)s: a case is in your queue"), {"approval": approval.title}
            ),
            body=Phrase(gettext_lazy("Decide by %(when)s UTC."), {"when": approval.due_at}),
        )


def permit_number(case: PermitCase, at: datetime) -> str:
    """KG-P-2026-000042: country, permit, year of issue, case number (unique with the case)."""
    return f"{case.country_code}-P-{at:%Y}-{case.pk:06d}"


def issue_if_all_given(case: PermitCase, at: datetime, user: AnyUser | None) -> None:
    """Issue the permit (or decide the change) once every approval is given or deemed given."""
    if case.approvals.exclude(status__in=GIVEN_APPROVAL).exists():
        return
    if case.kind != CaseKind.NEW:
        from kubat.permits import aftercare

        aftercare.apply_change(case, at, user)
        return
    case.status = CaseStatus.ISSUED
    case.decided_at = at
    case.permit_number = permit_number(case, at)
    case.save()
    decisions.record_decision(case=case, kind=DecisionKind.PERMIT, at=at, public=True)
    audit(case=case, action=AuditAction.ISSUED, at=at, user=user, note=case.permit_number)
    signals.permit_issued.send(sender=PermitCase, case=case, at=at)
    notifications.notify(
        to=notifications.applicant_addresses(case),
        case=case,
        subject=Phrase(gettext_lazy("Permit %(number)s issued"), {"number": case.permit_number}),
        body=Phrase(
            gettext_lazy("Every approval is given; the permit PDF is on the case page. Build away.")
        ),
    )


# The agencies' review ------------------------------------------------------------------------


def _require_reviewer_of(user: AnyUser, approval: Approval) -> None:
    agency = selectors.reviewer_agency(user)
    if agency is None or agency.pk != approval.agency_id:
        raise PermissionDenied(
            gettext("only %(name)s's reviewers decide this approval")
            % {"name": approval.agency.name}
        )


def _locked_open_approval(approval: Approval) -> tuple[PermitCase, Approval]:
    case = lock_case(approval.case)
    approval = Approval.objects.select_related("agency").get(pk=approval.pk)
    require_status(case, CaseStatus.IN_REVIEW)
    return case, approval


def _close_case_rejected(
    case: PermitCase, at: datetime, user: AnyUser | None, approval: Approval
) -> None:
    case.approvals.filter(status__in=(ApprovalStatus.WAITING, *OPEN_APPROVAL)).update(
        status=ApprovalStatus.CANCELLED
    )
    from kubat.permits import aftercare

    case.status = CaseStatus.REJECTED
    case.decided_at = at
    aftercare.open_refusal_windows(case, at)
    case.save()
    decisions.record_decision(case=case, kind=DecisionKind.REFUSAL, at=at, approval=approval)
    audit(case=case, action=AuditAction.REJECTED, at=at, user=user, note=case.rejection_reason)
    notifications.notify(
        to=notifications.applicant_addresses(case),
        case=case,
        subject=Phrase(gettext_lazy("Your application was rejected")),
        body=Phrase(gettext_lazy("Reasons: %(reasons)s"), {"reasons": case.rejection_reason}),
    )


def decide_approval(
    *,
    user: AnyUser,
    approval: Approval,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Approval:
    """An agency reviewer approves or rejects their agency's open approval.

    A rejection needs a reason and ends the whole case (other approvals are cancelled); the
    last approval given issues the permit and starts approvals that were waiting for it.
    Deciding while information is requested is allowed: the reviewer may have enough.
    """
    _require_reviewer_of(user, approval)
    case, approval = _locked_open_approval(approval)
    if approval.status not in OPEN_APPROVAL:
        raise Conflict(
            gettext("%(title)s is already %(value1)s")
            % {"title": approval.title, "value1": approval.get_status_display()}
        )
    at = moment(now)
    if not approve and not reason.strip():
        raise InvalidInput(gettext("a rejection needs its reason"), field="reason")
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    approval.decided_at = at
    approval.decided_by = acting_user(user)
    approval.reason = reason.strip()
    approval.within_deadline = _within_deadline(approval, at)
    approval.paused_at = None
    approval.save()
    audit(
        case=case,
        action=AuditAction.APPROVED if approve else AuditAction.REJECTED,
        at=at,
        user=user,
        approval=approval,
        note=approval.reason,
    )
    if not approve:
        case.rejection_reason = f"{approval.title} ({approval.agency.name}): {approval.reason}"
        _close_case_rejected(case, at, user, approval)
        return approval
    decisions.record_decision(case=case, kind=DecisionKind.APPROVAL, at=at, approval=approval)
    start_ready_approvals(case, at)
    issue_if_all_given(case, at, None)
    return approval


def _within_deadline(approval: Approval, at: datetime) -> bool:
    """On time if decided before the (pause-extended) deadline; a paused clock has not run."""
    if approval.status == ApprovalStatus.DEEMED_APPROVED:
        return False
    if approval.paused_at is not None:
        return True
    return approval.due_at is None or at <= approval.due_at


def request_information(
    *, user: AnyUser, approval: Approval, question: str, now: datetime | None = None
) -> InfoRequest:
    """Ask the applicant a question; this agency's clock stops until the answer (and only it).

    The days left are kept so the clock resumes where it stopped.
    """
    _require_reviewer_of(user, approval)
    case, approval = _locked_open_approval(approval)
    if approval.status != ApprovalStatus.PENDING:
        raise Conflict(
            gettext("%(title)s is %(value1)s")
            % {"title": approval.title, "value1": approval.get_status_display()}
        )
    if not question.strip():
        raise InvalidInput(gettext("ask a question"), field="question")
    at = moment(now)
    assert approval.due_at is not None
    approval.status = ApprovalStatus.INFO_REQUESTED
    approval.paused_at = at
    approval.days_left_at_pause = days_left(
        now=at,
        due_at=approval.due_at,
        kind=DayKind(approval.day_kind),
        country_code=case.country_code,
    )
    approval.save()
    info = InfoRequest.objects.create(
        approval=approval, question=question.strip(), asked_at=at, asked_by=acting_user(user)
    )
    audit(
        case=case,
        action=AuditAction.INFO_REQUESTED,
        at=at,
        user=user,
        approval=approval,
        note=info.question,
    )
    notifications.notify(
        to=notifications.applicant_addresses(case),
        case=case,
        subject=Phrase(
            gettext_lazy("%(agency)s asks for information"), {"agency": approval.agency.name}
        ),
        body=Phrase(
            gettext_lazy("%(question)s\n\nTheir clock stands still until you answer."),
            {"question": info.question},
        ),
    )
    return info


def answer_information(
    *, user: AnyUser, info_request: InfoRequest, answer: str, now: datetime | None = None
) -> InfoRequest:
    """The applicant answers; the agency's clock restarts with the days it had left."""
    approval = info_request.approval
    case = approval.case
    require_applicant(user, case)
    case, approval = _locked_open_approval(approval)
    info_request = InfoRequest.objects.get(pk=info_request.pk)
    if info_request.answered_at is not None:
        raise Conflict(gettext("this question is already answered"))
    if not answer.strip():
        raise InvalidInput(gettext("write an answer"), field="answer")
    at = moment(now)
    info_request.answer = answer.strip()
    info_request.answered_at = at
    info_request.answered_by = acting_user(user)
    info_request.save()
    if approval.status == ApprovalStatus.INFO_REQUESTED:
        approval.status = ApprovalStatus.PENDING
        approval.due_at = deadline(
            start=at,
            days=approval.days_left_at_pause or 0,
            kind=DayKind(approval.day_kind),
            country_code=case.country_code,
        )
        approval.paused_at = None
        approval.escalated_at = None
        approval.save()
    audit(
        case=case,
        action=AuditAction.INFO_ANSWERED,
        at=at,
        user=user,
        approval=approval,
        note=info_request.answer,
    )
    notifications.notify(
        to=notifications.agency_addresses(approval.agency),
        case=case,
        subject=Phrase(
            gettext_lazy("%(approval)s: the applicant answered"), {"approval": approval.title}
        ),
        body=Phrase(
            gettext_lazy("Q: %(question)s\nA: %(answer)s\nDecide by %(when)s UTC."),
            {
                "question": info_request.question,
                "answer": info_request.answer,
                "when": approval.due_at,
            },
        ),
    )
    return info_request


def preview_application(*, application: Application) -> dict[str, object]:
    """The track a project would take and what in its connectors breaks the country profile."""
    groups = [EvseGroup.model_validate(g.model_dump()) for g in application.planned_evses]
    rules = rules_for(application.country_code)
    total = sum(g.count * g.max_kw for g in groups)
    has_dc = any(g.power_type == "DC" for g in groups)
    return {
        "track": rules.track_for(total_kw=total, has_dc=has_dc) if groups else None,
        "total_kw": total,
        "completeness": rules.completeness,
        "problems": check_planned_connectors(country_code=application.country_code, groups=groups),
    }
