"""Quota writes: periods, receipt of requests with per-VIN eligibility, clearance, withdrawal,
lapse. Allocation itself is in `allocation` (it needs the window machinery).

Every service runs inside the caller's transaction and never commits halfway; each one that
changes a period's counters first locks that period's `PeriodBalance` row. Errors: InvalidInput
(a value is wrong, `field` names it), PermissionDenied (role or ownership), NotFound, Conflict
(the state forbids it: period not open, certificate already cleared...).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kubat.fleet.enums import Powertrain
from kubat.quotas import audit
from kubat.quotas.enums import (
    LIVE_CERTIFICATE,
    CertificateStatus,
    Decision,
    DeclarantClass,
    DeclarantKind,
    Reason,
    RequestStatus,
    SecurityStatus,
)
from kubat.quotas.models import (
    AuditEvent,
    Certificate,
    CustomsPost,
    PeriodBalance,
    QuotaPeriod,
    QuotaRequest,
    RequestedVehicle,
    SubQuota,
)

MAX_VEHICLES_PER_REQUEST = 100
RESALE_RESTRICTION_YEARS = 3


@dataclass(frozen=True, slots=True)
class DeclarantIn:
    """The declarant as the declaration carries it: kind, number, citizenship and residence.

    `residence_country` is the country of permanent residence of a person, or of registration
    of a company; `citizenship` is a person's. Both are what the eligibility rule checks.
    """

    kind: str
    tax_id: str
    name: str = ""
    declarant_class: str = DeclarantClass.OTHER
    citizenship: str = ""
    residence_country: str = ""


@dataclass(frozen=True, slots=True)
class VehicleIn:
    vin: str
    make: str
    model: str
    powertrain: str
    model_year: int | None = None
    battery_kwh: Decimal | None = None
    tariff_code: str = ""
    customs_value: Decimal | None = None
    currency: str = ""
    origin_country: str = ""


# Which EAEU CN FEA headings each admitted powertrain is declared under (docs/quotas.md): a
# pure electric car under 8703 80 ("only electric motor"); a series hybrid that charges from
# the grid (a range extender drives no wheel) under the plug-in hybrid headings 8703 60
# (petrol) or 8703 70 (diesel). A parallel plug-in hybrid is declared there too, which is why
# the powertrain is checked as well as the code.
HEADINGS_BY_POWERTRAIN = {
    Powertrain.BEV.value: ("870380",),
    Powertrain.EREV.value: ("870360", "870370"),
}


# --- periods -------------------------------------------------------------------------------


def create_period(**fields: Any) -> QuotaPeriod:
    """Create a period with its balance row (volume mirrored for the database check)."""
    # The seed is shown on the public period page from the start: anyone can re-run the draw.
    fields.setdefault("tie_break_seed", secrets.token_hex(8))
    period = QuotaPeriod(**fields)
    _check_period(period)
    period.save()
    PeriodBalance.objects.create(period=period, volume=period.volume)
    return period


def check_period(*, period: QuotaPeriod) -> None:
    """The rules a period's own fields follow (InvalidInput naming the field), for forms that
    validate before save_period; the counters (allocated, sub-quotas) are save_period's."""
    _check_period(period)


def _check_period(period: QuotaPeriod) -> None:
    unknown = set(period.powertrains) - set(Powertrain.values)
    if not period.powertrains or unknown:
        raise InvalidInput(
            gettext("powertrains must be among %(values)s") % {"values": Powertrain.values},
            field="powertrains",
        )
    if not period.declarant_kinds or set(period.declarant_kinds) - set(DeclarantKind.values):
        raise InvalidInput(
            gettext("declarant kinds must be among %(values)s") % {"values": DeclarantKind.values},
            field="declarant_kinds",
        )
    if period.closes_at <= period.opens_at:
        raise InvalidInput(gettext("a period closes after it opens"), field="closes_at")
    if not 1 <= period.critical_threshold_pct <= 100:
        raise InvalidInput(
            gettext("critical threshold is a percentage"), field="critical_threshold_pct"
        )


def save_period(*, period: QuotaPeriod) -> QuotaPeriod:
    """Save an edited period, keeping its balance's volume in step.

    The volume may not fall below what is already allocated, nor below its sub-quotas.
    """
    _check_period(period)
    if period.pk is None:
        return create_period(
            **{f.name: getattr(period, f.name) for f in QuotaPeriod._meta.concrete_fields}
        )
    # The balance lock also serialises this with set_sub_quota, so the sum read below holds.
    balance = PeriodBalance.objects.select_for_update().get(period_id=period.pk)
    if period.volume < balance.allocated:
        raise Conflict(
            gettext("%(allocated)s units are already allocated: volume cannot be lower")
            % {"allocated": balance.allocated},
            field="volume",
        )
    reserved = sum(SubQuota.objects.filter(period_id=period.pk).values_list("volume", flat=True))
    if period.volume < reserved:
        raise Conflict(
            gettext("sub-quotas reserve %(reserved)s units: volume cannot be lower")
            % {"reserved": reserved},
            field="volume",
        )
    period.save()
    balance.volume = period.volume
    balance.save(update_fields=["volume", "updated_at"])
    return period


def set_sub_quota(*, period: QuotaPeriod, declarant_class: str, volume: int) -> SubQuota:
    """Reserve `volume` units for one declarant class; sub-quotas together fit the volume."""
    if declarant_class not in DeclarantClass.values:
        raise InvalidInput(
            gettext("class must be among %(values)s") % {"values": DeclarantClass.values},
            field="declarant_class",
        )
    PeriodBalance.objects.select_for_update().get(period_id=period.pk)
    others = sum(
        period.sub_quotas.exclude(declarant_class=declarant_class).values_list("volume", flat=True)
    )
    if others + volume > period.volume:
        raise InvalidInput(gettext("sub-quotas together exceed the period volume"), field="volume")
    sub, _ = SubQuota.objects.get_or_create(
        period=period, declarant_class=declarant_class, defaults={"volume": volume}
    )
    if volume < sub.allocated:
        raise Conflict(gettext("sub-quota cannot fall below what it has allocated"), field="volume")
    sub.volume = volume
    sub.save(update_fields=["volume"])
    return sub


# Period rules as declarations read them, per process, for at most RULES_TTL_S: a rush reads
# them for every declaration (thousands a minute) and they change a few times a year. An edit
# in this process is seen at once (the signals in apps.py forget the cache on every save of a
# period, a sub-quota or a customs post); other processes see it within RULES_TTL_S. A period
# closing at 10:00:00 may therefore take declarations until 10:00:01 in another process: the
# closing time is checked against the rules as they were read.
RULES_TTL_S = 1.0


@dataclass(frozen=True, slots=True)
class PeriodRules:
    """A period (without its balance, which only the settlement reads, under its lock) and the
    customs posts of its country by code."""

    period: QuotaPeriod
    posts: dict[str, CustomsPost]
    read_at: float


_rules: dict[int, PeriodRules] = {}
_rules_lock = threading.Lock()
_refresh_lock = threading.Lock()


def period_rules(*, period_id: int) -> PeriodRules:
    """The rules a declaration is checked against, read at most once a second per process
    (two queries then). NotFound when the period does not exist."""
    cached = _fresh_rules(period_id)
    if cached is not None:
        return cached
    # One thread reads them again, the others wait for it and take what it read: the clients
    # of a rush, answered together at a window's end, send their next declarations together,
    # and each of them read the rules again when they had just expired (py-spy of the rush).
    with _refresh_lock:
        cached = _fresh_rules(period_id)
        if cached is not None:
            return cached
        return _read_rules(period_id=period_id)


def _fresh_rules(period_id: int) -> PeriodRules | None:
    with _rules_lock:
        cached = _rules.get(period_id)
    if cached is not None and time.monotonic() - cached.read_at < RULES_TTL_S:
        return cached
    return None


def _read_rules(*, period_id: int) -> PeriodRules:
    now = time.monotonic()
    period = (
        QuotaPeriod.objects.annotate(sub_quota_count=Count("sub_quotas"))
        .filter(pk=period_id)
        .first()
    )
    if period is None:
        raise NotFound(
            gettext("quota period %(period_id)s does not exist") % {"period_id": period_id}
        )
    posts = {p.code: p for p in CustomsPost.objects.filter(country_code=period.country_code)}
    rules = PeriodRules(period=period, posts=posts, read_at=now)
    with _rules_lock:
        _rules[period_id] = rules
    return rules


def forget_period_rules(**_signal: Any) -> None:
    """Drop every cached period's rules (a period, sub-quota or customs post was saved)."""
    with _rules_lock:
        _rules.clear()


def get_period(*, period_id: int) -> QuotaPeriod:
    try:
        return (
            QuotaPeriod.objects.select_related("balance")
            .annotate(sub_quota_count=Count("sub_quotas"))
            .get(pk=period_id)
        )
    except QuotaPeriod.DoesNotExist:
        raise NotFound(
            gettext("quota period %(period_id)s does not exist") % {"period_id": period_id}
        ) from None


# --- after allocation: withdrawal, clearance, lapse ------------------------------------------


def _can_act_for(user: User, request: QuotaRequest) -> bool:
    # The contract: a request is its submitter's alone (the secretariat reads the audit log).
    return bool(request.submitted_by_id == user.pk)


def get_request(*, user: User, request_id: int) -> QuotaRequest:
    """A request, visible to its submitter only; NotFound for others (not even its existence)."""
    request = (
        QuotaRequest.objects.select_related("period", "declarant").filter(pk=request_id).first()
    )
    if request is None or not _can_act_for(user, request):
        raise NotFound(
            gettext("request %(request_id)s does not exist") % {"request_id": request_id}
        )
    return request


def _return_units(
    *,
    certificates: Sequence[Certificate],
    status: str,
    actor: User | None,
    now: dt.datetime,
    action: str,
    balance: PeriodBalance,
) -> list[AuditEvent]:
    """Close live, uncleared certificates and give their units back to the balance."""
    events = []
    for cert in certificates:
        cert.status = status
        cert.closed_at = now
        if cert.security_status == SecurityStatus.HELD:  # no duty was forgone: nothing to secure
            cert.security_status = SecurityStatus.RELEASED
            cert.security_released_at = now
        events.append(
            audit.event(
                at=now,
                actor=actor,
                action=action,
                obj=cert,
                period=balance.period,
                before={"status": CertificateStatus.ISSUED.value, "vin": cert.vin},
                after={"status": status},
                allocated_delta=-1,
            )
        )
    Certificate.objects.bulk_update(
        certificates, ["status", "closed_at", "security_status", "security_released_at"]
    )
    classes = Certificate.objects.filter(pk__in=[c.pk for c in certificates]).values_list(
        "vehicle__request__declarant__declarant_class", flat=True
    )
    for sub in SubQuota.objects.filter(period_id=balance.period_id):
        sub.allocated -= sum(1 for c in classes if c == sub.declarant_class)
        sub.save(update_fields=["allocated"])
    balance.allocated -= len(certificates)
    balance.returned += len(certificates)
    balance.save(update_fields=["allocated", "returned", "updated_at"])
    return events


def withdraw_request(
    *, user: User, request_id: int, now: dt.datetime | None = None
) -> QuotaRequest:
    """Withdraw a request: its pending VINs are refused and uncleared units return to the quota.

    Only its submitter may; a request whose every certificate is cleared
    cannot be withdrawn (Conflict), since the cars are in the country.
    """
    now = now or timezone.now()
    request = get_request(user=user, request_id=request_id)
    balance = (
        PeriodBalance.objects.select_for_update()
        .select_related("period")
        .get(period_id=request.period_id)
    )
    if request.status == RequestStatus.WITHDRAWN:
        raise Conflict(
            gettext("request %(request_id)s is already withdrawn") % {"request_id": request_id}
        )
    live = list(Certificate.objects.filter(vehicle__request=request, status__in=LIVE_CERTIFICATE))
    issued = [c for c in live if c.status == CertificateStatus.ISSUED]
    if live and not issued:
        raise Conflict(gettext("every certificate of this request is cleared: nothing to withdraw"))
    events = _return_units(
        certificates=issued,
        status=CertificateStatus.WITHDRAWN,
        actor=user,
        now=now,
        action="certificate.withdrawn",
        balance=balance,
    )
    RequestedVehicle.objects.filter(request=request, decision=Decision.PENDING).update(
        decision=Decision.REFUSED, reason=Reason.WITHDRAWN, decided_at=now
    )
    before = request.status
    request.status = RequestStatus.WITHDRAWN
    request.save(update_fields=["status"])
    events.append(
        audit.event(
            at=now,
            actor=user,
            action="request.withdrawn",
            obj=request,
            period=balance.period,
            before={"status": before},
            after={"status": request.status, "returned": len(issued)},
        )
    )
    audit.record(events)
    return request


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def clear_certificate(
    *,
    user: User,
    number: str,
    customs_declaration: str = "",
    now: dt.datetime | None = None,
) -> Certificate:
    """Customs marks a certificate's VIN cleared; the 3-year resale restriction starts today.

    Customs role only (PermissionDenied). Conflict when the certificate is not live and
    uncleared, or its validity has run out (it lapses instead).
    """
    if not account_services.has_role(user, Role.CUSTOMS):
        raise PermissionDenied(gettext("only customs may clear a quota certificate"))
    now = now or timezone.now()
    cert = _certificate(number=number)
    cert = Certificate.objects.select_related("vehicle__request").get(pk=cert.pk)
    balance = (
        PeriodBalance.objects.select_for_update()
        .select_related("period")
        .get(period_id=cert.period_id)
    )
    cert.refresh_from_db()
    if cert.status != CertificateStatus.ISSUED:
        raise Conflict(
            gettext("certificate %(number)s is %(status)s, not awaiting clearance")
            % {"number": cert.number, "status": cert.status}
        )
    if cert.valid_until < now:
        raise Conflict(
            gettext("certificate %(number)s expired on %(valid_until)s")
            % {"number": cert.number, "valid_until": f"{cert.valid_until:%Y-%m-%d}"}
        )
    cert.status = CertificateStatus.CLEARED
    cert.cleared_at = now
    # The goods declaration that drew the unit, unless customs names another (a reservation's).
    cert.customs_declaration = (
        customs_declaration.strip() or cert.vehicle.request.declaration_number
    )[:40]
    cert.restricted_until = _add_years(now.date(), balance.period.resale_years)
    cert.save(update_fields=["status", "cleared_at", "customs_declaration", "restricted_until"])
    balance.cleared += 1
    balance.save(update_fields=["cleared", "updated_at"])
    audit.record(
        [
            audit.event(
                at=now,
                actor=user,
                action="certificate.cleared",
                obj=cert,
                period=balance.period,
                before={"status": CertificateStatus.ISSUED.value},
                after={
                    "status": cert.status,
                    "vin": cert.vin,
                    "customs_declaration": cert.customs_declaration,
                    "restricted_until": cert.restricted_until.isoformat(),
                },
                cleared_delta=1,
            )
        ]
    )
    return cert


def lapse_uncleared(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Lapse every issued certificate past its validity and return its unit to the balance.

    Returns the count per period name (the report). Periods are locked one at a time in id
    order, so this cannot deadlock with allocation, which locks one period only.
    """
    now = now or timezone.now()
    report: dict[str, int] = {}
    period_ids = sorted(
        set(
            Certificate.objects.filter(
                status=CertificateStatus.ISSUED, valid_until__lt=now
            ).values_list("period_id", flat=True)
        )
    )
    for period_id in period_ids:
        balance = (
            PeriodBalance.objects.select_for_update()
            .select_related("period")
            .get(period_id=period_id)
        )
        expired = list(
            Certificate.objects.filter(
                period_id=period_id, status=CertificateStatus.ISSUED, valid_until__lt=now
            )
        )
        events = _return_units(
            certificates=expired,
            status=CertificateStatus.LAPSED,
            actor=None,
            now=now,
            action="certificate.lapsed",
            balance=balance,
        )
        audit.record(events)
        report[balance.period.name] = len(expired)
    return report


def confirm_period_outcome(
    *, user: User, period_id: int, now: dt.datetime | None = None
) -> QuotaPeriod:
    """Confirm a period's outcome (no draw exceeded its volume) and release every security held.

    Secretariat or customs (PermissionDenied); NotFound for an unknown period; Conflict when
    already confirmed. Securities are
    held from the critical threshold on because, in a quota drawn at the declaration, a draw
    near the end may yet prove to be beyond the volume; once the period's total is confirmed,
    the duty forgone is final and the securities go back.
    """
    if not (
        account_services.has_role(user, Role.SECRETARIAT)
        or account_services.has_role(user, Role.CUSTOMS)
    ):
        raise PermissionDenied(gettext("the secretariat or customs confirms a period's outcome"))
    now = now or timezone.now()
    balance = (
        PeriodBalance.objects.select_for_update()
        .select_related("period")
        .filter(period_id=period_id)
        .first()
    )
    if balance is None:
        raise NotFound(
            gettext("quota period %(period_id)s does not exist") % {"period_id": period_id},
            field="period_id",
        )
    period = balance.period
    if period.outcome_confirmed_at is not None:
        raise Conflict(
            gettext("%(name)s's outcome was confirmed on %(outcome_confirmed_at)s")
            % {
                "name": period.name,
                "outcome_confirmed_at": f"{period.outcome_confirmed_at:%Y-%m-%d}",
            }
        )
    released = Certificate.objects.filter(
        period=period, security_status=SecurityStatus.HELD
    ).update(security_status=SecurityStatus.RELEASED, security_released_at=now)
    period.outcome_confirmed_at = now
    period.save(update_fields=["outcome_confirmed_at"])
    audit.record(
        [
            audit.event(
                at=now,
                actor=user,
                action="period.outcome_confirmed",
                obj=period,
                period=period,
                after={
                    "allocated": balance.allocated,
                    "cleared": balance.cleared,
                    "securities_released": released,
                },
            )
        ]
    )
    return period


def _certificate(*, number: str) -> Certificate:
    # No number holds a NUL, and PostgreSQL refuses one in a query with a DataError (a 500).
    if "\x00" in number:
        raise NotFound(gettext("no certificate number contains a NUL character"))
    cert = (
        Certificate.objects.select_related("period", "vehicle")
        .filter(number=number.strip().upper())
        .first()
    )
    if cert is None:
        raise NotFound(gettext("certificate %(number)s does not exist") % {"number": number})
    return cert


def get_certificate(*, number: str) -> Certificate:
    """Public verification: the certificate by its number (NotFound otherwise)."""
    return _certificate(number=number)


def requests_of(*, user: User) -> QuerySet[QuotaRequest]:
    """A broker's own requests, with how many VINs were allocated and refused in each."""
    return (
        QuotaRequest.objects.filter(submitted_by_id=user.pk)
        .select_related("period", "declarant")
        .annotate(
            vins=Count("vehicles"),
            vins_allocated=Count("vehicles", filter=Q(vehicles__decision=Decision.ALLOCATED)),
            vins_refused=Count("vehicles", filter=Q(vehicles__decision=Decision.REFUSED)),
        )
    )
