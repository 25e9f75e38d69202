"""/api/v1/permits: public statistics and track rules; the caller's own cases with a token.

Statistics and tracks are public and carry no personal data. Case reads need a bearer token
or a session and show only what the pages show the same user (`selectors` visibility rule);
writes go through the pages for now.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from kubat.accounts.auth import token_or_session
from kubat.permits import payments, register, selectors, statistics
from kubat.permits.models import PermitCase
from kubat.permits.tracks import rules_for

router = Router(tags=["permits"])


@router.get("/statistics", summary="How long permits take, per country, track, agency and stage")
def permit_statistics(request: HttpRequest, country: str | None = None) -> dict[str, Any]:
    """Median and 90th-percentile calendar days to permit per country, per track, per agency
    and per stage; each agency's share of decisions within its deadline; counts by status.
    `country` (KG, KZ) narrows it to one country. `contains_demo_data` says whether generated
    demo cases are counted."""
    return statistics.permit_statistics(country_code=country)


@router.get("/tracks/{country}", summary="A country's permit tracks and statutory deadlines")
def permit_tracks(request: HttpRequest, country: str) -> dict[str, Any]:
    return rules_for(country).model_dump(mode="json")


class RegisterQuery(Schema):
    q: str = Field("", max_length=100, description="number, site, city, region or operator")
    country: str | None = Field(None, description="KG or KZ")
    state: str | None = Field(None, description=", ".join(register.STATES))
    track: str | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


@router.get("/register", summary="The public register of permits (no personal data)")
def permit_register(request: HttpRequest, query: Query[RegisterQuery]) -> dict[str, Any]:
    """Every issued permit: number, track, site, operator, dates and state (`issued`,
    `construction`, `in_service`, `suspended`, `decommissioned`). `q` searches the number,
    site, city, region and operator. Also as CSV at /open-data/permits.csv."""
    cases = register.entries(q=query.q, country=query.country, state=query.state, track=query.track)
    start, end = query.offset, query.offset + query.limit
    return {
        "total": cases.count(),
        "limit": query.limit,
        "offset": query.offset,
        "licence": settings.KUBAT_DATA_LICENCE,
        "items": [register.entry(c) for c in cases[start:end]],
    }


@router.get("/register/{number}", summary="One permit's register entry")
def permit_register_entry(request: HttpRequest, number: str) -> dict[str, Any]:
    """The entry, with the signed permit decision's address (verify it offline with
    `kubat permits verify`)."""
    body = register.entry(register.get_entry(number=number))
    if body["decision"]:
        body["decision_url"] = reverse("permits:decision", args=[body["decision"]])
    body["certificate_url"] = reverse("permits:signing_certificate")
    return body


def _case(case: PermitCase) -> dict[str, Any]:
    return {
        "id": case.pk,
        "reference": case.reference,
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
    }


@router.get("/cases", auth=token_or_session, summary="The permit cases the caller may see")
def list_cases(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    """An applicant sees their organisation's cases, a reviewer the cases their agency works
    on, the secretariat every case."""
    cases = selectors.visible_cases(user=request.user)
    if status:
        cases = cases.filter(status=status)
    return [_case(c) for c in cases[:500]]


@router.get("/cases/{case_id}", auth=token_or_session, summary="One case with its timeline")
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = selectors.visible_case(user=request.user, case_id=case_id)
    body = _case(case)
    body["next_steps"] = [
        {"actor": s.actor, "action": s.action, "due_at": s.due_at, "clock_stopped": s.clock_stopped}
        for s in selectors.next_steps(case)
    ]
    body["approvals"] = [
        {
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
        }
        for a in case.approvals.select_related("agency")
    ]
    body["timeline"] = [
        {"at": e.at, "action": e.action, "by": e.actor_label, "note": e.note}
        for e in case.audit.all()
    ]
    body["registry_location"] = (
        {"party": case.location.party.key, "id": case.location.ocpi_id} if case.location else None
    )
    return body


@router.post(
    "/payments/{provider}/callback",
    summary="A payment provider's signed callback (HMAC over timestamp and body)",
)
def payment_callback(request: HttpRequest, provider: str) -> dict[str, Any]:
    """The provider posts a JSON notice signed in the `Kubat-Payment-Signature` header
    (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "t." + body>`). A bad signature is 401; the same
    transaction again is answered as before and records nothing more (providers retry)."""
    with transaction.atomic():
        payment = payments.record_provider_payment(
            provider=provider, body=request.body, headers=request.headers
        )
        case = payment.case
        case.refresh_from_db()
    return {
        "case": case.reference,
        "transaction_id": payment.transaction_id,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "fee_outstanding": str(case.fee_outstanding),
    }
