"""/api/v1/quotas: public periods, certificates and the VIN lookup; declarations for customs.

Contract (issues 5 and 14): GET /periods, GET /periods/{id} (public); POST /declarations
(customs: the draw); POST /prechecks (importer or customs: eligibility and balance, nothing
recorded); POST /reservations (importer, only where a period reserves); GET
/declarations/{id} (its submitter only); GET /certificates/{number} (public verification);
GET /vehicles/{vin}?buyer_country= (public); reports for the secretariat and customs. A
declaration's POST answers once its window has been settled (at the window's end on PostgreSQL,
plus RECEIPT_GRACE elsewhere), with a decision, reason and certificate number per VIN.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, cast

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext
from ninja import Field, Router, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import WithJsonSchema

from kubat.accounts import services as account_services
from kubat.accounts.auth import token_or_session
from kubat.accounts.roles import Role
from kubat.core import apischema
from kubat.core.errors import InvalidInput, PermissionDenied
from kubat.quotas import (
    allocation,
    audit,
    certificates,
    declarations,
    reports,
    selectors,
    services,
)
from kubat.quotas.enums import Channel, DeclarantClass, RequestStatus
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
    legal_act: str
    person_rule: str
    reservation_days: int | None = Field(description="None: the policy reserves nothing.")
    duty_rate_pct: float
    security_pct: float
    critical_at: dt.datetime | None = Field(description="When the period became critical.")
    outcome_confirmed_at: dt.datetime | None
    resale_years: int
    resale_barred: dict[str, list[str]]


class DayOut(Schema):
    day: dt.date
    requests: int
    vins_requested: int
    vins_allocated: int


class PeriodDetailOut(PeriodOut):
    requests_per_day: list[DayOut]


# The bodies customs systems send in a rush are plain pydantic models: ninja's Schema wraps each
# object (the declaration, its declarant, each of up to 100 vehicles) in an attribute getter
# for Django models before validating it, which cost about a tenth of a declaration's CPU on
# the HTTP path (bench/quota_profile.py). The OpenAPI document is the same.
class DeclarantIn(apischema.PlainBody):
    kind: str = Field(description="person or company")
    tax_id: str = Field(description="KG PIN/INN (14 digits) or KZ IIN/BIN (12 digits)")
    name: str = Field("", max_length=200)
    declarant_class: str = DeclarantClass.OTHER.value
    citizenship: str = Field(
        "", max_length=2, description="A person's citizenship, ISO 3166 alpha-2, as declared"
    )
    residence_country: str = Field(
        "",
        max_length=2,
        description="Country of permanent residence (a company: of registration), as declared",
    )


def _decimal_schema(*, whole: str, minimum: int, maximum: int) -> WithJsonSchema:
    """A decimal given as a JSON integer or as text, as the Field below checks it; a JSON number
    with a fraction is read too, but a binary fraction rarely has the decimal places a column
    allows, so the document offers the text form for fractions."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": minimum, "maximum": maximum},
                {"type": "string", "pattern": f"^{whole}$"},
                {"type": "null"},
            ]
        }
    )


# battery_kwh: 0 to 1000, one decimal; customs_value: above 0, 12 digits and two decimals.
BatteryKwh = Annotated[
    Decimal | None,
    _decimal_schema(whole=r"(1000(\.0)?|[0-9]{1,3}(\.[0-9])?)", minimum=0, maximum=1000),
]
CustomsValue = Annotated[
    Decimal | None,
    _decimal_schema(
        whole=r"(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,11}(\.[0-9]{1,2})?)",
        minimum=1,
        maximum=10**12 - 1,
    ),
]


class VehicleIn(apischema.PlainBody):
    vin: str = Field(max_length=40)
    make: str = Field(max_length=60)
    model: str = Field(max_length=80)
    powertrain: str = Field(max_length=8, description="BEV, EREV, PHEV or HEV")
    model_year: int | None = None
    battery_kwh: BatteryKwh = Field(None, ge=0, le=1000, max_digits=6, decimal_places=1)
    tariff_code: str = Field("", max_length=16, description="EAEU CN FEA, e.g. 8703 80 000 2")
    customs_value: CustomsValue = Field(None, gt=0, max_digits=14, decimal_places=2)
    currency: str = Field("", max_length=3, description="ISO 4217, e.g. KGS, KZT, USD")
    origin_country: str = Field("", max_length=2, description="ISO 3166 alpha-2")


class DeclarationIn(apischema.PlainBody):
    period: int
    number: str = Field(
        max_length=40, description="CCCCCCCC/DDMMYY/NNNNNNN: customs post, date, serial"
    )
    declarant: DeclarantIn
    vehicles: list[VehicleIn] = Field(min_length=1, max_length=services.MAX_VEHICLES_PER_REQUEST)


class ReservationIn(apischema.PlainBody):
    period: int
    declarant: DeclarantIn
    vehicles: list[VehicleIn] = Field(min_length=1, max_length=services.MAX_VEHICLES_PER_REQUEST)


class PrecheckVehicleOut(Schema):
    position: int
    vin: str
    eligible: bool
    reason: str = Field(description="eligible, or the refusal reason a declaration would get")
    reason_detail: str


class PrecheckOut(Schema):
    period: int
    period_open: bool
    remaining: int = Field(description="Balance now; nothing is held for the caller.")
    reserves: bool
    reservation_days: int | None
    checked_at: dt.datetime
    vehicles: list[PrecheckVehicleOut]


class VehicleDecisionOut(Schema):
    position: int
    vin: str
    make: str
    model: str
    powertrain: str
    decision: str = Field(description="pending, allocated or refused")
    reason: str
    reason_detail: str
    tariff_code: str
    customs_value: Decimal | None
    currency: str
    origin_country: str
    certificate: str | None
    security_amount: Decimal | None
    security_status: str


class ApplicationOut(Schema):
    id: int
    kind: str = Field(description="declaration (draws the quota) or reservation")
    period: int
    status: str
    channel: str
    customs_post: str | None
    received_at: dt.datetime = Field(description="Acceptance time; it orders the draw.")
    window: int
    tie_break_key: str
    decided_at: dt.datetime | None
    declarant_kind: str
    declarant_tax_id: str
    declarant_citizenship: str
    declarant_residence: str
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
    security_amount: Decimal | None
    security_currency: str
    security_status: str
    verify_url: str
    pdf_url: str


class ClearIn(apischema.Body):
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
    buyer_country: str | None = Field(None, description="The buyer country asked about.")
    sale_barred: bool | None = Field(
        None, description="A sale to a resident of buyer_country is barred today."
    )
    barred_until: str | None = None
    barred_countries: list[str] = Field(default_factory=list)


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


_VEHICLE_ROW = (
    "position",
    "vin",
    "make",
    "model",
    "powertrain",
    "decision",
    "reason",
    "reason_detail",
    "tariff_code",
    "customs_value",
    "currency",
    "origin_country",
)


# An answer's vehicle as the row's values in this order (the answer's keys, VehicleDecisionOut).
_VEHICLE_KEYS = (*_VEHICLE_ROW, "certificate", "security_amount", "security_status")


def _vehicle_rows(requests: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The vehicles of `requests` with their certificate, as plain rows (one query): the
    answer to every declaration of a rush is built from these, each row a `dict(zip(...))` of
    a tuple (the ORM's own dict per row cost a third of reading a window's answers)."""
    rows: dict[int, list[dict[str, Any]]] = {pk: [] for pk in requests}
    for request_id, *values in (
        RequestedVehicle.objects.filter(request_id__in=requests)
        .order_by("request_id", "position")
        .values_list(
            "request_id",
            *_VEHICLE_ROW,
            "certificate__number",
            "certificate__security_amount",
            Coalesce("certificate__security_status", Value("")),
        )
    ):
        rows[request_id].append(dict(zip(_VEHICLE_KEYS, values, strict=True)))
    return rows


def decided_answers(requests: list[int]) -> dict[int, dict[str, Any]]:
    """The answers of those of `requests` that are decided, in two queries (the settling
    thread reads them for every request its process waits for: allocation.wait_for_decision)."""
    decided = list(
        QuotaRequest.objects.select_related("declarant", "customs_post").filter(
            pk__in=requests, status=RequestStatus.DECIDED
        )
    )
    rows = _vehicle_rows([r.pk for r in decided])
    return {r.pk: application_out(r, rows=rows[r.pk]) for r in decided}


def application_out(
    request: QuotaRequest, *, rows: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A declaration or reservation with its vehicles; `rows` when they were read already."""
    if rows is None:
        rows = _vehicle_rows([request.pk])[request.pk]
    return {
        "id": request.pk,
        "kind": request.kind,
        "period": request.period_id,
        "status": request.status,
        "channel": request.channel,
        "customs_post": request.customs_post.code if request.customs_post else None,
        "received_at": request.received_at,
        "window": request.window,
        "tie_break_key": request.tie_break_key,
        "decided_at": request.decided_at,
        "declarant_kind": request.declarant.kind,
        "declarant_tax_id": request.declarant.tax_id,
        "declarant_citizenship": request.declarant_citizenship,
        "declarant_residence": request.declarant_residence,
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
        "security_amount": cert.security_amount,
        "security_currency": cert.security_currency,
        "security_status": cert.security_status,
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


# The validated bodies handed to the services as their dataclasses, field by field from the
# models' own attributes (the same names): no model_dump per vehicle, which serialised each one
# again only to rebuild it (bench/quota_profile.py).
def _declarant(payload: DeclarantIn) -> services.DeclarantIn:
    return services.DeclarantIn(**payload.__dict__)


def _vehicles(payload: list[VehicleIn]) -> list[services.VehicleIn]:
    return [services.VehicleIn(**v.__dict__) for v in payload]


def render_answer(answer: dict[str, Any]) -> bytes:
    """A declaration's answer as JSON, encoded as ninja encodes its answers (ISO times, decimals
    as strings) but without validating it against `ApplicationOut` again: `application_out`
    builds it field by field from the rows, and in a rush that validation of 1-100 vehicles
    cost more than reading them (docs/decisions/0005). The schema stays the documented answer,
    and a test holds the rendering to it (tests/quotas/test_api.py)."""
    return json.dumps(answer, cls=NinjaJSONEncoder).encode()


def _answer_response(answer: dict[str, Any], *, status: int) -> HttpResponse:
    return HttpResponse(
        render_answer(answer), status=status, content_type="application/json; charset=utf-8"
    )


def _decided(received: QuotaRequest) -> dict[str, Any]:
    """Wait (outside the receipt transaction) for the window's settlement, then the answer."""
    answer = allocation.wait_for_decision(
        request=received, period=received.period, prefetch=decided_answers
    )
    if answer is not None:
        return answer
    return application_out(
        QuotaRequest.objects.select_related("declarant", "customs_post").get(pk=received.pk)
    )


@router.post(
    "/declarations",
    response={201: ApplicationOut},
    auth=token_or_session,
    summary="Register a declaration (draws the quota)",
)
def create_declaration(request: HttpRequest, payload: DeclarationIn) -> Any:
    """Customs registers a goods declaration; its acceptance time orders the draw.

    The answer comes once the declaration's window is settled: each VIN allocated (with its
    certificate, and a security when the period is critical) or refused with its reason.
    Whole-declaration refusals: 403 without the customs role, 409 when the period is not open
    or the number is already registered, 400 naming the field for a bad number, customs post,
    declarant, tariff code, customs value or currency.
    """
    with transaction.atomic():
        received = declarations.register_declaration(
            user=_user(request),
            period_id=payload.period,
            number=payload.number,
            declarant=_declarant(payload.declarant),
            vehicles=_vehicles(payload.vehicles),
            channel=Channel.API,
        )
    return _answer_response(_decided(received), status=201)


@router.post("/prechecks", response=PrecheckOut, auth=token_or_session, summary="Pre-check")
def create_precheck(request: HttpRequest, payload: ReservationIn) -> Any:
    """Would each VIN be eligible if declared now, and what is the balance? Reserves nothing.

    Importer or customs (403 otherwise); nothing is recorded and no balance changes.
    """
    return declarations.precheck(
        user=_user(request),
        period_id=payload.period,
        declarant=_declarant(payload.declarant),
        vehicles=_vehicles(payload.vehicles),
    )


@router.post(
    "/reservations", response={201: ApplicationOut}, auth=token_or_session, summary="Reserve"
)
def create_reservation(request: HttpRequest, payload: ReservationIn) -> Any:
    """An importer reserves units before the declaration, only where the period's policy does
    (409 otherwise: by default the quota is drawn at the declaration)."""
    with transaction.atomic():
        received = declarations.reserve_units(
            user=_user(request),
            period_id=payload.period,
            declarant=_declarant(payload.declarant),
            vehicles=_vehicles(payload.vehicles),
            channel=Channel.API,
        )
    return _answer_response(_decided(received), status=201)


@router.get("/declarations/{declaration_id}", response=ApplicationOut, auth=token_or_session)
def get_declaration(request: HttpRequest, declaration_id: int) -> Any:
    """A declaration or reservation with its decisions; its submitter only (404 for others)."""
    return application_out(services.get_request(user=_user(request), request_id=declaration_id))


@router.post(
    "/declarations/{declaration_id}/withdraw", response=ApplicationOut, auth=token_or_session
)
def withdraw_declaration(request: HttpRequest, declaration_id: int) -> Any:
    """Withdraw a declaration or reservation before clearance: uncleared units return."""
    with transaction.atomic():
        withdrawn = services.withdraw_request(user=_user(request), request_id=declaration_id)
    return application_out(withdrawn)


@router.post("/periods/{period_id}/confirm-outcome", response=PeriodOut, auth=token_or_session)
def confirm_outcome(request: HttpRequest, period_id: int) -> Any:
    """Confirm the period's outcome and release the securities held (secretariat or customs)."""
    with transaction.atomic():
        services.confirm_period_outcome(user=_user(request), period_id=period_id)
    return selectors.period_summary(period=services.get_period(period_id=period_id))


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
def vehicle_status(
    request: HttpRequest, vin: str, buyer_country: apischema.Country | None = None
) -> Any:
    """Did this VIN come in under the quota, until when may it not be resold, and (with
    `buyer_country`, alpha-2) is a sale to a resident of that country barred? (public)"""
    return selectors.vehicle_status(vin=vin, buyer_country=buyer_country)


@router.get("/audit", response=list[AuditOut], auth=token_or_session)
def audit_log(request: HttpRequest, period: int | None = None, limit: int = 200) -> Any:
    """The audit log, newest first (secretariat only)."""
    if not account_services.has_role(request.user, Role.SECRETARIAT):
        raise PermissionDenied(gettext("the audit log is for the secretariat"))
    chosen = services.get_period(period_id=period) if period is not None else None
    return list(audit.events_for(period=chosen)[: max(1, min(limit, 5000))])


REPORT_FORMATS = ("json", "csv", "pdf")


def _report_reader(http: HttpRequest) -> None:
    if not (
        account_services.has_role(http.user, Role.SECRETARIAT)
        or account_services.has_role(http.user, Role.CUSTOMS)
    ):
        raise PermissionDenied(gettext("quota reports are for the secretariat and customs"))


def _report(
    *,
    rows: list[dict[str, Any]],
    columns: tuple[str, ...],
    fmt: str,
    name: str,
    title: str,
    subtitle: str,
) -> Any:
    if fmt not in REPORT_FORMATS:
        raise InvalidInput(
            gettext("format is one of %(value1)s") % {"value1": ", ".join(REPORT_FORMATS)},
            field="format",
        )
    if fmt == "csv":
        response = HttpResponse(
            reports.as_csv(rows=rows, columns=columns), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "pdf":
        body = reports.as_pdf(title=title, subtitle=subtitle, rows=rows, columns=columns)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response
    return [{c: (str(r[c]) if isinstance(r[c], Decimal) else r[c]) for c in columns} for r in rows]


@router.get("/reports/monthly", auth=token_or_session, response=list[dict[str, Any]])
def monthly_report(request: HttpRequest, period: int, format: str = "json") -> Any:
    """Units drawn per month, make, model, origin and customs post with the duty forgone
    (secretariat or customs); `format` json, csv or pdf."""
    _report_reader(request)
    chosen = services.get_period(period_id=period)
    rows = reports.monthly(period=chosen)
    totals = "; ".join(
        gettext("%(currency)s: %(units)s units, value %(value)s, duty forgone %(duty)s")
        % {
            "currency": cur or "?",
            "units": number_format(t["units"], use_l10n=True, force_grouping=True),
            "value": number_format(t["customs_value"], use_l10n=True, force_grouping=True),
            "duty": number_format(t["duty_forgone"], use_l10n=True, force_grouping=True),
        }
        for cur, t in reports.totals(rows).items()
    )
    return _report(
        rows=rows,
        columns=reports.MONTHLY_COLUMNS,
        fmt=format,
        name=f"quota-monthly-{chosen.country_code}{chosen.year}",
        title=gettext("%(period)s: draws and duty forgone per month") % {"period": chosen.name},
        subtitle=gettext("Duty rate %(rate)s %% of customs value. Totals: %(totals)s")
        % {
            "rate": number_format(chosen.duty_rate_pct, use_l10n=True),
            "totals": totals or gettext("none"),
        },
    )


@router.get("/reports/reconciliation", auth=token_or_session, response=list[dict[str, Any]])
def reconciliation_report(request: HttpRequest, period: int, format: str = "json") -> Any:
    """Cleared certificates without a registration, and quota-import registrations without a
    cleared certificate (secretariat or customs); `format` json, csv or pdf."""
    _report_reader(request)
    chosen = services.get_period(period_id=period)
    rows = reports.reconciliation(period=chosen)
    counts = {
        kind: sum(1 for r in rows if r["problem"] == kind)
        for kind in (
            reports.CERTIFICATE_WITHOUT_REGISTRATION,
            reports.REGISTRATION_WITHOUT_CERTIFICATE,
        )
    }
    return _report(
        rows=rows,
        columns=reports.RECONCILIATION_COLUMNS,
        fmt=format,
        name=f"quota-reconciliation-{chosen.country_code}{chosen.year}",
        title=gettext("%(period)s: reconciliation with the vehicle register")
        % {"period": chosen.name},
        subtitle=", ".join(
            f"{reports.problem_label(k)}: {number_format(v, use_l10n=True)}"
            for k, v in counts.items()
        ),
    )
