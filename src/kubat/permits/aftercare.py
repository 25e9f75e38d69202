"""After a decision: appeals and resubmission of a refusal; after commissioning: modification,
transfer to another operator and decommissioning, each a case that updates the registry.

Appeals. A refusal opens two windows (`tracks/<CC>.json`, `appeal` and `resubmission`): the
applicant may appeal within `appeal.days` (`appeal_refusal`), and the appeal body (the
secretariat's appeals panel, Kubat's assumption until each country's body is mapped) decides
within `appeal.decision` (`decide_appeal`): granted, the refused approval and those cancelled
with it start again with fresh clocks; dismissed, the refusal stands. Both outcomes are
signed decisions. Or the applicant resubmits within `resubmission.days`
(`resubmit_refused`): a new draft with the same data and documents, whose fee is credited
with what the refused case paid when `fee_credited` (once, however often it is resubmitted).

Changes. The current holder of a commissioned permit opens a change case (`open_change`):
kind `modification` (new planned EVSEs, reviewed by the agencies the `changes` procedure
lists), `transfer` (to another organisation under its OCPI party; the recipient must consent
before the completeness check) or `decommission` (`temporary` or `final`). The case then runs
as any other: submit, fee, completeness, approvals. When its last approval is given,
`apply_change` changes the registry through the registry's write functions (the location
replaced with the new EVSEs; moved to the recipient's party; its EVSEs INOPERATIVE or
REMOVED with their status history) and the parent permit's register entry, and signs the
decision (public: it changes a public register entry).
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext, gettext_lazy

from kubat.accounts.models import Organisation
from kubat.core.errors import Conflict, InvalidInput, PermissionDenied
from kubat.core.phrases import Phrase
from kubat.permits import decisions, notifications, selectors
from kubat.permits.models import (
    GIVEN_APPROVAL,
    ApprovalStatus,
    Attachment,
    AuditAction,
    CaseKind,
    CaseStatus,
    DecisionKind,
    PermitCase,
)
from kubat.permits.schemas import Application, EvseGroup
from kubat.permits.services import (
    AnyUser,
    acting_user,
    audit,
    lock_case,
    moment,
    require_applicant,
    require_status,
    start_ready_approvals,
)
from kubat.permits.tracks import rules_for
from kubat.permits.workdays import deadline
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import services as registry_services
from kubat.registry.enums import Source, Status

DECOMMISSION_MODES = ("temporary", "final")


# Refusals: appeal or resubmit ----------------------------------------------------------------


def open_refusal_windows(case: PermitCase, at: datetime) -> None:
    """Set the appeal and resubmission deadlines of a case just refused (caller saves)."""
    rules = rules_for(case.country_code)
    case.appeal_due_at = deadline(
        start=at,
        days=rules.appeal.days,
        kind=rules.appeal.day_kind,
        country_code=case.country_code,
    )
    case.resubmission_due_at = deadline(
        start=at,
        days=rules.resubmission.days,
        kind=rules.resubmission.day_kind,
        country_code=case.country_code,
    )


def appeal_refusal(
    *, user: AnyUser, case: PermitCase, grounds: str, now: datetime | None = None
) -> PermitCase:
    """The applicant appeals a refusal within its window; the appeal body's clock starts."""
    case = lock_case(case)
    require_applicant(user, case)
    require_status(case, CaseStatus.REJECTED)
    at = moment(now)
    if case.appeal_outcome:
        raise Conflict(
            gettext("the appeal of case %(reference)s is already decided")
            % {"reference": case.reference}
        )
    if case.appeal_due_at is None or at > case.appeal_due_at:
        closed = f"{case.appeal_due_at:%Y-%m-%d}" if case.appeal_due_at else "never opened"
        raise Conflict(
            gettext("the appeal window closed (%(closed)s)") % {"closed": closed}, field="appeal"
        )
    if not grounds.strip():
        raise InvalidInput(gettext("say why the refusal is wrong"), field="grounds")
    term = rules_for(case.country_code).appeal.decision
    case.status = CaseStatus.APPEALED
    case.appealed_at = at
    case.appeal_grounds = grounds.strip()
    case.appeal_decision_due_at = deadline(
        start=at, days=term.days, kind=term.day_kind, country_code=case.country_code
    )
    case.save()
    audit(case=case, action=AuditAction.APPEALED, at=at, user=user, note=case.appeal_grounds)
    notifications.notify(
        to=notifications.secretariat_addresses(),
        case=case,
        subject=Phrase(gettext_lazy("A refusal is appealed")),
        body=Phrase(
            gettext_lazy("Decide the appeal by %(when)s UTC."),
            {"when": case.appeal_decision_due_at},
        ),
    )
    return case


def decide_appeal(
    *, user: AnyUser, case: PermitCase, grant: bool, reason: str, now: datetime | None = None
) -> PermitCase:
    """The appeal body grants (review reopens) or dismisses (refusal stands), with reasons."""
    if not selectors.is_secretariat(user):
        raise PermissionDenied(gettext("appeals are decided by the secretariat's appeals panel"))
    case = lock_case(case)
    require_status(case, CaseStatus.APPEALED)
    if not reason.strip():
        raise InvalidInput(gettext("an appeal decision gives its reasons"), field="reason")
    at = moment(now)
    case.appeal_decided_at = at
    case.appeal_outcome = "granted" if grant else "dismissed"
    case.appeal_reason = reason.strip()
    extra = {
        "appeal": {
            "outcome": case.appeal_outcome,
            "grounds": case.appeal_grounds,
            "reason": case.appeal_reason,
            "refusal": case.rejection_reason,
        }
    }
    if grant:
        # The refused approval and those cancelled with it start again; given ones stand.
        case.approvals.exclude(status__in=GIVEN_APPROVAL).update(
            status=ApprovalStatus.WAITING,
            started_at=None,
            due_at=None,
            decided_at=None,
            decided_by=None,
            within_deadline=None,
            paused_at=None,
            days_left_at_pause=None,
            escalated_at=None,
        )
        case.status = CaseStatus.IN_REVIEW
        case.decided_at = None
        case.save()
        decisions.record_decision(case=case, kind=DecisionKind.APPEAL, at=at, extra=extra)
        audit(case=case, action=AuditAction.APPEAL_GRANTED, at=at, user=user, note=reason)
        start_ready_approvals(case, at)
    else:
        case.status = CaseStatus.REJECTED
        case.save()
        decisions.record_decision(case=case, kind=DecisionKind.APPEAL, at=at, extra=extra)
        audit(case=case, action=AuditAction.APPEAL_DISMISSED, at=at, user=user, note=reason)
    notifications.notify(
        to=notifications.applicant_addresses(case),
        case=case,
        subject=Phrase(
            gettext_lazy("Your appeal is %(outcome)s"), {"outcome": case.appeal_outcome}
        ),
        body=Phrase("%(reason)s", {"reason": case.appeal_reason}),
    )
    return case


def resubmit_refused(*, user: AnyUser, case: PermitCase, now: datetime | None = None) -> PermitCase:
    """A new draft from a refused case (same data and documents), within the window."""
    case = lock_case(case)
    require_applicant(user, case)
    require_status(case, CaseStatus.REJECTED)
    at = moment(now)
    if case.resubmission_due_at is None or at > case.resubmission_due_at:
        raise Conflict(gettext("the resubmission window has closed"), field="resubmission")
    if case.changes.filter(kind=CaseKind.NEW).exists():
        raise Conflict(
            gettext("case %(reference)s is already resubmitted") % {"reference": case.reference}
        )
    fields = Application.model_fields.keys()
    draft = PermitCase(
        applicant=case.applicant,
        created_by=acting_user(user),
        created_at=at,
        source=case.source,
        parent=case,
        **{name: getattr(case, name) for name in fields},
    )
    draft.save()
    for item in case.attachments.filter(info_request=None):
        Attachment.objects.create(
            case=draft,
            kind=item.kind,
            file=item.file.name,
            original_name=item.original_name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_by=item.uploaded_by,
            uploaded_at=item.uploaded_at,
        )
    audit(
        case=draft, action=AuditAction.CREATED, at=at, user=user, note=f"resubmits {case.reference}"
    )
    audit(case=case, action=AuditAction.RESUBMITTED, at=at, user=user, note=draft.reference)
    return draft


# After commissioning -------------------------------------------------------------------------


def _holder_of(case: PermitCase) -> Organisation:
    return case.holder or case.applicant


def open_change(
    *,
    user: AnyUser,
    permit: PermitCase,
    kind: str,
    reason: str = "",
    planned_evses: list[dict[str, object]] | None = None,
    grid_capacity_kw: float | None = None,
    transfer_to: Organisation | None = None,
    transfer_party_id: str = "",
    decommission_mode: str = "",
    now: datetime | None = None,
) -> PermitCase:
    """The permit's current holder opens a change of a commissioned station (a draft).

    InvalidInput names a missing or wrong field; Conflict when the station is not in service
    (or already finally decommissioned) or another change of it is open.
    """
    if kind not in (CaseKind.MODIFICATION, CaseKind.TRANSFER, CaseKind.DECOMMISSION):
        raise InvalidInput(gettext("kind is modification, transfer or decommission"), field="kind")
    organisation = selectors.applicant_organisation(user)
    permit = lock_case(permit)
    if organisation is None or organisation.pk != _holder_of(permit).pk:
        raise PermissionDenied(gettext("only the permit holder's members change the station"))
    require_status(permit, CaseStatus.IN_REGISTRY)
    if permit.register_state == "decommissioned":
        raise Conflict(
            gettext("permit %(permit_number)s is finally decommissioned")
            % {"permit_number": permit.permit_number}
        )
    open_kinds = (CaseStatus.CHANGED, CaseStatus.REJECTED)
    if permit.changes.exclude(kind=CaseKind.NEW).exclude(status__in=open_kinds).exists():
        raise Conflict(
            gettext("another change of permit %(permit_number)s is open")
            % {"permit_number": permit.permit_number}
        )
    at = moment(now)
    case = PermitCase(
        applicant=organisation,
        created_by=acting_user(user),
        created_at=at,
        source=permit.source,
        kind=kind,
        parent=permit,
        change_reason=reason.strip(),
        **{name: getattr(permit, name) for name in Application.model_fields},
    )
    if kind == CaseKind.MODIFICATION:
        if not planned_evses:
            raise InvalidInput(
                gettext("plan the station's EVSEs after the change"), field="planned_evses"
            )
        groups = [EvseGroup.model_validate(g) for g in planned_evses]
        case.planned_evses = [g.model_dump() for g in groups]
        if grid_capacity_kw is not None:
            case.grid_capacity_kw = grid_capacity_kw
    elif kind == CaseKind.TRANSFER:
        if transfer_to is None or transfer_to.kind not in selectors.APPLICANT_KINDS:
            raise InvalidInput(
                gettext("name the operator or investor taking over"), field="transfer_to"
            )
        if transfer_to.pk == organisation.pk:
            raise InvalidInput(
                gettext("a transfer goes to another organisation"), field="transfer_to"
            )
        party_id = transfer_party_id.strip().upper()
        if len(party_id) != 3 or not party_id.isalnum():
            raise InvalidInput(
                gettext("the new OCPI party id is 3 letters or digits"), field="party_id"
            )
        case.transfer_to = transfer_to
        case.transfer_party_id = party_id
    else:
        if decommission_mode not in DECOMMISSION_MODES:
            raise InvalidInput(gettext("mode is temporary or final"), field="decommission_mode")
        if decommission_mode == "temporary" and permit.register_state == "suspended":
            raise Conflict(
                gettext("permit %(permit_number)s is already suspended")
                % {"permit_number": permit.permit_number}
            )
        case.decommission_mode = decommission_mode
    case.save()
    audit(
        case=case,
        action=AuditAction.CREATED,
        at=at,
        user=user,
        note=f"{case.get_kind_display()} of {permit.permit_number}",
    )
    return case


def change_problems(case: PermitCase) -> list[str]:
    """What stops a change case at submission (its own rules; a new case has others)."""
    problems: list[str] = []
    if case.kind == CaseKind.MODIFICATION and not case.planned_evses:
        problems.append("plan the station's EVSEs after the change")
    if case.kind == CaseKind.TRANSFER and case.transfer_to_id is None:
        problems.append("name the operator taking over")
    if case.kind == CaseKind.DECOMMISSION and case.decommission_mode not in DECOMMISSION_MODES:
        problems.append("choose temporary or final decommissioning")
    return problems


def consent_transfer(*, user: AnyUser, case: PermitCase, now: datetime | None = None) -> PermitCase:
    """The receiving organisation accepts the transfer (needed before completeness)."""
    case = lock_case(case)
    organisation = selectors.applicant_organisation(user)
    if (
        case.kind != CaseKind.TRANSFER
        or organisation is None
        or organisation.pk != case.transfer_to_id
    ):
        raise PermissionDenied(gettext("only the receiving organisation accepts a transfer"))
    require_status(case, CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.RETURNED)
    if case.transfer_consented_at is not None:
        return case
    at = moment(now)
    case.transfer_consented_at = at
    case.save(update_fields=["transfer_consented_at"])
    audit(case=case, action=AuditAction.TRANSFER_CONSENTED, at=at, user=user)
    return case


def completeness_problem(case: PermitCase) -> str | None:
    """A change-specific reason the secretariat cannot accept the case yet."""
    if case.kind == CaseKind.TRANSFER and case.transfer_consented_at is None:
        return gettext("the receiving organisation has not accepted the transfer")
    return None


def _modified_location(permit: PermitCase, at: datetime) -> ocpi.Location:
    from kubat.permits.delivery import planned_location

    location = permit.location
    assert location is not None
    current = {e.uid: e.status for e in location.evses.all()}
    data = planned_location(permit, at)
    evses = [
        e.model_copy(update={"status": current[e.uid]})
        if current.get(e.uid) not in (None, Status.REMOVED)
        else e
        for e in data.evses or []
    ]
    return data.model_copy(update={"evses": evses})


def _apply_to_registry(case: PermitCase, permit: PermitCase, at: datetime) -> dict[str, object]:
    location = permit.location
    if location is None:
        raise Conflict(
            gettext("permit %(permit_number)s has no registry location")
            % {"permit_number": permit.permit_number}
        )
    source = Source.DEMO if permit.source == "demo" else Source.PERMIT
    if case.kind == CaseKind.MODIFICATION:
        permit.planned_evses = case.planned_evses
        permit.grid_capacity_kw = case.grid_capacity_kw
        registry_services.save_location(
            party=location.party,
            data=_modified_location(permit, at),
            source=source,
            region=permit.region,
        )
        return {
            "planned_evses": decisions.planned_evses(case),
            "grid_capacity_kw": f"{case.grid_capacity_kw:g}",
        }
    if case.kind == CaseKind.TRANSFER:
        assert case.transfer_to is not None
        party = registry_services.get_or_create_party(
            country_code=permit.country_code,
            party_id=case.transfer_party_id,
            name=case.transfer_to.name[:100],
            source=source,
            organisation=case.transfer_to,
        )
        before = location.party.key
        registry_services.transfer_location(location=location, to_party=party)
        permit.holder = case.transfer_to
        permit.party_id = case.transfer_party_id
        return {
            "from": _holder_of(case).name,
            "to": case.transfer_to.name,
            "from_party": before,
            "to_party": party.key,
        }
    temporary = case.decommission_mode == "temporary"
    status = Status.INOPERATIVE if temporary else Status.REMOVED
    # A temporary stop takes out of service what was in service: a point still PLANNED (never
    # built or never reported live) stays PLANNED, not a public station out of order.
    untouched = [Status.REMOVED, Status.PLANNED] if temporary else [Status.REMOVED]
    for evse in location.evses.exclude(status__in=untouched):
        registry_services.record_evse_status(
            party=location.party,
            location_id=location.ocpi_id,
            evse_uid=evse.uid,
            status=status,
            at=max(at, evse.last_updated),
            source=source,
        )
    permit.register_state = (
        "suspended" if case.decommission_mode == "temporary" else "decommissioned"
    )
    permit.register_state_at = at
    return {
        "mode": case.decommission_mode,
        "evse_status": str(status),
        "reason": case.change_reason,
    }


def apply_change(case: PermitCase, at: datetime, user: AnyUser | None) -> None:
    """Every approval of a change case is given: change the registry and the permit, sign."""
    assert case.parent is not None
    permit = lock_case(case.parent)
    change = _apply_to_registry(case, permit, at)
    permit.save()
    case.status = CaseStatus.CHANGED
    case.decided_at = at
    case.save()
    decisions.record_decision(
        case=case,
        kind=case.kind,
        at=at,
        public=True,
        extra={"permit_number": permit.permit_number, "change": change},
    )
    audit(case=case, action=AuditAction.CHANGED, at=at, user=user, note=permit.permit_number)
    audit(
        case=permit,
        action=AuditAction.CHANGED,
        at=at,
        user=user,
        note=f"{case.get_kind_display()}: {case.reference}",
    )
    notifications.notify(
        to=notifications.applicant_addresses(case),
        case=case,
        subject=Phrase(
            gettext_lazy("%(kind)s of permit %(number)s decided"),
            {"kind": case.get_kind_display(), "number": permit.permit_number},
        ),
        body=Phrase(gettext_lazy("The registry and the public register are updated.")),
    )
