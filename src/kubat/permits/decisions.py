"""Every approval, refusal and permit as a signed decision (see `signing` for the format).

A decision is built from the case at the moment it is taken, canonicalised, signed by the
configured signer and stored with its certificate (`Decision`). The signed file
(`signed_file`) is what the applicant downloads, the register publishes for permits, and
`kubat permits verify FILE` checks offline. A decision names organisations, never people:
the permit decision is public.

Called by `services` (agency decisions and the permit), `clock` (deemed approvals), and the
post-permit procedures; always inside the caller's transaction with the case row locked, so
the per-case decision number is taken once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from kubat.permits import signing
from kubat.permits.models import Approval, Decision, DecisionKind, PermitCase
from kubat.permits.tracks import rules_for

FORMAT = "kubat.permit-decision/1"
ISSUER = "Kubat single window"


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(case: PermitCase, kind: str) -> str:
    sequence = case.decisions.count() + 1
    return f"{case.reference}-{kind[0].upper()}{sequence:02d}"


def _site(case: PermitCase) -> dict[str, Any]:
    return {
        "name": case.site_name,
        "address": case.address,
        "city": case.city,
        "region": case.region,
        "country_code": case.country_code,
        "latitude": f"{case.latitude:.6f}",
        "longitude": f"{case.longitude:.6f}",
    }


def planned_evses(case: PermitCase) -> list[dict[str, Any]]:
    return [
        {
            "count": int(g["count"]),
            "power_type": g["power_type"],
            "max_kw": f"{float(g['max_kw']):g}",
            "standards": list(g["standards"]),
        }
        for g in case.planned_evses
    ]


def _approval(approval: Approval) -> dict[str, Any]:
    return {
        "code": approval.code,
        "title": approval.title,
        "authority": approval.authority,
        "agency": approval.agency.name,
        "outcome": approval.status,
        "reason": approval.reason,
        "deadline": _utc(approval.due_at) if approval.due_at else None,
        "silence_consent": approval.silence_consent,
    }


def payload(
    *,
    case: PermitCase,
    kind: str,
    number: str,
    at: datetime,
    approval: Approval | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The decision as data: what was decided, on which case and site, by whom, when, why."""
    body: dict[str, Any] = {
        "format": FORMAT,
        "number": number,
        "kind": kind,
        "issuer": ISSUER,
        "decided_at": _utc(at),
        "case": case.reference,
        "country_code": case.country_code,
        "track": case.track,
        "holder": case.applicant.name,
        "site": _site(case),
        "planned_evses": planned_evses(case),
        "legal_basis": rules_for(case.country_code).legal_basis,
    }
    if approval is not None:
        body["approval"] = _approval(approval)
    if kind == DecisionKind.PERMIT:
        body["permit_number"] = case.permit_number
        body["approvals"] = [
            _approval(a) for a in case.approvals.select_related("agency").order_by("pk")
        ]
    if kind == DecisionKind.REFUSAL:
        body["reason"] = case.rejection_reason
    if extra:
        body.update(extra)
    return body


def record_decision(
    *,
    case: PermitCase,
    kind: str,
    at: datetime,
    approval: Approval | None = None,
    public: bool = False,
    extra: dict[str, Any] | None = None,
) -> Decision:
    """Build, sign and store one decision; the case must be locked by the caller."""
    number = _number(case, kind)
    value = payload(case=case, kind=kind, number=number, at=at, approval=approval, extra=extra)
    signed = signing.sign_document(value)
    return Decision.objects.create(
        case=case,
        approval=approval,
        kind=kind,
        number=number,
        decided_at=at,
        canonical=signing.canonical_json(value).decode("utf-8"),
        algorithm=signed["signature"]["algorithm"],
        signature=signed["signature"]["value"],
        certificate_pem=signed["certificate"],
        certificate_sha256=signed["signature"]["certificate_sha256"],
        public=public,
    )


def signed_file(decision: Decision) -> dict[str, Any]:
    """The downloadable signed decision: the decision, its detached signature, the cert."""
    return {
        "decision": json.loads(decision.canonical),
        "signature": {
            "algorithm": decision.algorithm,
            "canonicalization": signing.CANONICALIZATION,
            "value": decision.signature,
            "certificate_sha256": decision.certificate_sha256,
        },
        "certificate": decision.certificate_pem,
    }


def verify_decision(decision: Decision) -> signing.Verification:
    """Verify a stored decision against the certificate Kubat publishes now."""
    return signing.verify(
        signed_file(decision), trusted_certificate=signing.get_signer().certificate_pem()
    )
