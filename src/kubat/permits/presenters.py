"""Cases as JSON for /api/v1/permits and webhooks: organisations by name, never people."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kubat.permits import selectors
from kubat.permits.models import PermitCase


def case_dict(case: PermitCase) -> dict[str, Any]:
    return {
        "id": case.pk,
        "reference": case.reference,
        "kind": case.kind,
        "parent": case.parent.permit_number if case.parent_id and case.parent else None,
        "status": case.status,
        "country_code": case.country_code,
        "track": case.track or None,
        "applicant": case.applicant.name,
        "site_name": case.site_name,
        "region": case.region,
        "city": case.city,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "planned_evses": case.planned_evses,
        "grid_capacity_kw": case.grid_capacity_kw,
        "permit_number": case.permit_number or None,
        "fee": None
        if case.fee_amount is None
        else {
            "amount": str(case.fee_amount),
            "currency": case.fee_currency,
            "payment_reference": case.payment_reference,
            "paid_amount": str(case.fee_paid_amount),
            "outstanding": str(case.fee_outstanding),
            "paid_at": case.fee_paid_at,
        },
        "created_at": case.created_at,
        "first_submitted_at": case.first_submitted_at,
        "decided_at": case.decided_at,
        "commissioned_at": case.commissioned_at,
        "source": case.source,
        "transfer": {
            "to": case.transfer_to.name,
            "party_id": case.transfer_party_id,
            "consented_at": case.transfer_consented_at,
        }
        if case.transfer_to_id and case.transfer_to
        else None,
        "decommission_mode": case.decommission_mode or None,
        "appeal": {
            "due_at": case.appeal_due_at,
            "appealed_at": case.appealed_at,
            "decision_due_at": case.appeal_decision_due_at,
            "outcome": case.appeal_outcome or None,
            "reason": case.appeal_reason or None,
        }
        if case.appeal_due_at
        else None,
        "resubmission_due_at": case.resubmission_due_at,
    }


def case_detail(case: PermitCase) -> dict[str, Any]:
    """The case with its approvals, deadlines, who acts next, timeline, decisions, location."""
    body = case_dict(case)
    body["next_steps"] = [
        {"actor": s.actor, "action": s.action, "due_at": s.due_at, "clock_stopped": s.clock_stopped}
        for s in selectors.next_steps(case)
    ]
    body["approvals"] = [
        {
            "id": a.pk,
            "code": a.code,
            "title": a.title,
            "agency": a.agency.name,
            "status": a.status,
            "silence_consent": a.silence_consent,
            "started_at": a.started_at,
            "due_at": a.due_at,
            "decided_at": a.decided_at,
            "within_deadline": a.within_deadline,
            "reason": a.reason,
            "questions": [
                {
                    "id": q.pk,
                    "question": q.question,
                    "asked_at": q.asked_at,
                    "answer": q.answer or None,
                    "answered_at": q.answered_at,
                }
                for q in a.info_requests.all()
            ],
        }
        for a in case.approvals.select_related("agency").prefetch_related("info_requests")
    ]
    body["decisions"] = [
        {
            "number": d.number,
            "kind": d.kind,
            "decided_at": d.decided_at,
            "url": reverse("permits:decision", args=[d.number]),
        }
        for d in case.decisions.all()
    ]
    body["attachments"] = [
        {"id": a.pk, "kind": a.kind, "name": a.original_name, "size": a.size, "sha256": a.sha256}
        for a in case.attachments.order_by("pk")
    ]
    body["timeline"] = [
        {"at": e.at, "action": e.action, "by": e.actor_label, "note": e.note}
        for e in case.audit.all()
    ]
    body["registry_location"] = (
        {"party": case.location.party.key, "id": case.location.ocpi_id} if case.location else None
    )
    return body
