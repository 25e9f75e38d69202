"""/api/v1/permits: public statistics, track rules, the register of permits and the payment
providers' callbacks; the cases themselves (reads and writes, with a token) are in
`api_write`, mounted on the same router.

Statistics, tracks and the register are public and carry no personal data. Case reads and
writes need a bearer token or a session and follow the pages' rules (`selectors` visibility).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from pydantic import WithJsonSchema

from kubat.core import apischema
from kubat.permits import payments, register, statistics
from kubat.permits.api_write import router as write_router
from kubat.permits.tracks import rules_for

router = Router(tags=["permits"])
router.add_router("", write_router)


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
    country: (
        Annotated[
            str,
            apischema.pattern(
                f"{apischema.SPACE}[A-Za-z]{{2}}{apischema.SPACE}", "ISO 3166-1 alpha-2", blank=True
            ),
        ]
        | None
    ) = Field(None, description="KG or KZ")
    state: (
        Annotated[str, WithJsonSchema({"type": "string", "enum": list(register.STATES)})] | None
    ) = Field(None, description=", ".join(register.STATES))
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
