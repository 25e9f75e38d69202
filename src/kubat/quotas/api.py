"""/api/v1/quotas: public periods, certificates and the VIN lookup; applications for brokers.

Contract (issue 5): GET /periods, GET /periods/{id} (public); POST /applications (importer or
customs token or session); GET /applications/{id} (its submitter only); GET
/certificates/{number} (public verification). A POST answers once the request's allocation
window has been settled (the window's end plus RECEIPT_GRACE: at most 1.15 s by default, a
1 s window and 150 ms of grace), with a decision, reason and certificate number per VIN.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from kubat.accounts import services as account_services
from kubat.accounts.auth import token_or_session
from kubat.accounts.roles import Role
from kubat.core.errors import PermissionDenied
from kubat.quotas import allocation, audit, certificates, selectors, services
from kubat.quotas.enums import Channel, DeclarantClass
from kubat.quotas.models import Certificate, QuotaRequest, RequestedVehicle

router = Router(tags=["quotas"])


class SubQuotaOut(Schema):
    declarant_class: str
    volume: int
    allocated: int


class PeriodOut(Schema):
    id: int
    country_code: str
    year: int
    name: str
    state: str = Field(description="upcoming, open, exhausted or closed")
    volume: int
    allocated: int = Field(description="Drawn: certificates issued or cleared.")
    cleared: int
    returned: int = Field(description="Units given back by withdrawal or lapse, in total.")
    remaining: int
    used_pct: float
    critical: bool
    critical_threshold_pct: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    exhausted_at: dt.datetime | None
    powertrains: list[str]
    tariff_codes: list[str]
    declarant_kinds: list[str]
    per_declarant_cap: int | None
    sub_quotas: list[SubQuotaOut]
    allocation_rule: str
    allocation_window_ms: int
    tie_break_seed: str
    validity_days: int
    note: str
    source: str


class DayOut(Schema):
    day: dt.date
    requests: int
    vins_requested: int
    vins_allocated: int


class PeriodDetailOut(PeriodOut):
    requests_per_day: list[DayOut]


class DeclarantIn(Schema):
    kind: str = Field(description="person or company")
    tax_id: str = Field(description="KG PIN/INN (14 digits) or KZ IIN/BIN (12 digits)")
    name: str = ""
    declarant_class: str = DeclarantClass.OTHER.value


class VehicleIn(Schema):
    vin: str = Field(max_length=40)
    make: str = Field(max_length=60)
    model: str = Field(max_length=80)
    powertrain: str = Field(max_length=8, description="BEV, EREV, PHEV or HEV")
    model_year: int | None = None
    battery_kwh: Decimal | None = Field(None, ge=0, le=1000, max_digits=6, decimal_places=1)
    tariff_code: str = Field("", max_length=16)


class ApplicationIn(Schema):
    period: int
    declarant: DeclarantIn
    vehicles: list[VehicleIn] = Field(min_length=1, max_length=services.MAX_VEHICLES_PER_REQUEST)
    declaration_number: str = Field("", max_length=40)


class VehicleDecisionOut(Schema):
    position: int
    vin: str
    make: str
    model: str
    powertrain: str
    decision: str = Field(description="pending, allocated or refused")
    reason: str
    reason_detail: str
    certificate: str | None


class ApplicationOut(Schema):
    id: int
    period: int
    status: str
    channel: str
    received_at: dt.datetime
    window: int
    tie_break_key: str
    decided_at: dt.datetime | None
    declarant_kind: str
    declarant_tax_id: str
    declaration_number: str
    allocated: int
    refused: int
    vehicles: list[VehicleDecisionOut]


class CertificateOut(Schema):
    number: str
    status: str
    vin: str
    make: str
    model: str
    powertrain: str
    period: int
    period_name: str
    country_code: str
    issued_at: dt.datetime
    valid_until: dt.datetime
    cleared_at: dt.datetime | None
    restricted_until: dt.date | None
    verify_url: str
    pdf_url: str


class ClearIn(Schema):
    customs_declaration: str = Field("", max_length=40)


class VehicleStatusOut(Schema):
    vin: str
    quota_import: bool = Field(description="Cleared under a duty-free quota.")
    status: str | None
    certificate: str | None = None
    period: str | None = None
    country_code: str | None = None
    cleared_at: dt.datetime | None = None
    restricted_until: str | None = None
    restricted: bool


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor_label: str
    action: str
    period_id: int | None
    object_type: str
    object_id: str
    before: Any
    after: Any
    allocated_delta: int
    cleared_delta: int


def application_out(request: QuotaRequest) -> dict[str, Any]:
    vehicles = list(
        RequestedVehicle.objects.filter(request=request)
        .select_related("certificate")
        .order_by("position")
    )
    rows = [
        {
            "position": v.position,
            "vin": v.vin,
            "make": v.make,
            "model": v.model,
            "powertrain": v.powertrain,
            "decision": v.decision,
            "reason": v.reason,
            "reason_detail": v.reason_detail,
            "certificate": v.certificate.number if hasattr(v, "certificate") else None,
        }
        for v in vehicles
    ]
    return {
        "id": request.pk,
        "period": request.period_id,
        "status": request.status,
        "channel": request.channel,
        "received_at": request.received_at,
        "window": request.window,
        "tie_break_key": request.tie_break_key,
        "decided_at": request.decided_at,
        "declarant_kind": request.declarant.kind,
        "declarant_tax_id": request.declarant.tax_id,
        "declaration_number": request.declaration_number,
        "allocated": sum(1 for r in rows if r["decision"] == "allocated"),
        "refused": sum(1 for r in rows if r["decision"] == "refused"),
        "vehicles": rows,
    }


def certificate_out(http: HttpRequest, cert: Certificate) -> dict[str, Any]:
    return {
        "number": cert.number,
        "status": cert.status,
        "vin": cert.vin,
        "make": cert.vehicle.make,
        "model": cert.vehicle.model,
        "powertrain": cert.vehicle.powertrain,
        "period": cert.period_id,
        "period_name": cert.period.name,
        "country_code": cert.period.country_code,
        "issued_at": cert.issued_at,
        "valid_until": cert.valid_until,
        "cleared_at": cert.cleared_at,
        "restricted_until": cert.restricted_until,
        "verify_url": http.build_absolute_uri(reverse("quotas:certificate", args=[cert.number])),
        "pdf_url": http.build_absolute_uri(reverse("quotas:certificate-pdf", args=[cert.number])),
    }


def _user(http: HttpRequest) -> User:
    return cast(User, http.user)


@router.get("/periods", response=list[PeriodOut])
def list_periods(request: HttpRequest) -> Any:
    """Every quota period with its live balance (public)."""
    return [selectors.period_summary(period=p) for p in selectors.periods()]


@router.get("/periods/{period_id}", response=PeriodDetailOut)
def get_period(request: HttpRequest, period_id: int) -> Any:
    """One period: volume, allocated, cleared, remaining, critical, requests per day (public)."""
    period = services.get_period(period_id=period_id)
    return {
        **selectors.period_summary(period=period),
        "requests_per_day": selectors.requests_per_day(period=period),
    }


@router.post(
    "/applications", response={201: ApplicationOut}, auth=token_or_session, summary="Apply"
)
def create_application(request: HttpRequest, payload: ApplicationIn) -> Any:
    """Request quota for one declaration: a declarant and 1-100 vehicles.

    The answer comes once the request's allocation window is settled: each VIN allocated (with
    its certificate number) or refused with a reason. Whole-request refusals: 403 without the
    importer or customs role, 409 when the period is not open, 400 for an invalid declarant.
    """
    with transaction.atomic():
        received = services.receive_request(
            user=_user(request),
            period_id=payload.period,
            declarant=services.DeclarantIn(**payload.declarant.model_dump()),
            vehicles=[services.VehicleIn(**v.model_dump()) for v in payload.vehicles],
            channel=Channel.API,
            declaration_number=payload.declaration_number,
        )
    allocation.wait_for_decision(request=received, period=received.period)
    decided = QuotaRequest.objects.select_related("declarant").get(pk=received.pk)
    return Status(201, application_out(decided))


@router.get("/applications/{application_id}", response=ApplicationOut, auth=token_or_session)
def get_application(request: HttpRequest, application_id: int) -> Any:
    """One application with its decisions; only its submitter sees it (404 for anyone else)."""
    return application_out(services.get_request(user=_user(request), request_id=application_id))


@router.post(
    "/applications/{application_id}/withdraw", response=ApplicationOut, auth=token_or_session
)
def withdraw_application(request: HttpRequest, application_id: int) -> Any:
    """Withdraw an application before clearance: its uncleared units return to the quota."""
    with transaction.atomic():
        withdrawn = services.withdraw_request(user=_user(request), request_id=application_id)
    return application_out(withdrawn)


@router.get("/certificates/{number}", response=CertificateOut)
def get_certificate(request: HttpRequest, number: str) -> Any:
    """Public verification of a certificate by its number (what its QR code links to)."""
    return certificate_out(request, services.get_certificate(number=number))


@router.get("/certificates/{number}/pdf")
def get_certificate_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The certificate as a one-page PDF with its QR code (public)."""
    cert = services.get_certificate(number=number)
    verify = request.build_absolute_uri(reverse("quotas:certificate", args=[cert.number]))
    body = certificates.certificate_pdf(certificate=cert, verify_url=verify)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{cert.number}.pdf"'
    return response


@router.post("/certificates/{number}/clear", response=CertificateOut, auth=token_or_session)
def clear_certificate(request: HttpRequest, number: str, payload: ClearIn) -> Any:
    """Customs marks the VIN cleared; the 3-year resale restriction starts (customs only)."""
    with transaction.atomic():
        cert = services.clear_certificate(
            user=_user(request), number=number, customs_declaration=payload.customs_declaration
        )
    return certificate_out(request, services.get_certificate(number=cert.number))


@router.get("/vehicles/{vin}", response=VehicleStatusOut)
def vehicle_status(request: HttpRequest, vin: str) -> Any:
    """Did this VIN come in under the quota, and until when may it not be resold? (public)"""
    return selectors.vehicle_status(vin=vin)


@router.get("/audit", response=list[AuditOut], auth=token_or_session)
def audit_log(request: HttpRequest, period: int | None = None, limit: int = 200) -> Any:
    """The audit log, newest first (secretariat only)."""
    if not account_services.has_role(request.user, Role.SECRETARIAT):
        raise PermissionDenied("the audit log is for the secretariat")
    chosen = services.get_period(period_id=period) if period is not None else None
    return list(audit.events_for(period=chosen)[: max(1, min(limit, 5000))])
