"""The draw is the declaration: customs registers it, its acceptance time orders the draw.

Three ways in, one eligibility rule (issue 14, docs/quotas.md):

- `register_declaration` (customs role): a goods declaration with its number, customs post,
  declarant (with citizenship and residence as the declaration carries them) and vehicles
  (VIN, tariff code, make, model, customs value and currency). It is recorded at the server's
  acceptance time and drawn by the window rule in `allocation` (windows, pro rata, tie-break,
  the balance row lock, the audit log).
- `precheck` (importer or customs): per VIN, would it be eligible and what is the balance.
  It writes nothing and reserves nothing: a broker's question cannot move the quota.
- `reserve_units` (importer role): only where a period's policy reserves
  (`reservation_days` set; by default none does). The reservation is drawn like a declaration,
  holds its units for `reservation_days` and lapses after that (`kubat quotas lapse`); a later
  declaration of the same declarant for the same VIN uses it instead of drawing again.

Errors: PermissionDenied (role), Conflict (period not open, number already registered, the
period reserves nothing), InvalidInput naming the field (a malformed declaration); nothing is
recorded then. Every other refusal is per VIN with its reason (`enums.Reason`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import DecimalField
from django.utils import timezone
from django.utils.translation import gettext

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.core import bulk as core_bulk
from kubat.core.errors import Conflict, InvalidInput, PermissionDenied
from kubat.fleet import services as fleet_services
from kubat.fleet.vin import normalise_vin, vin_problem
from kubat.quotas import allocation, audit, bulk
from kubat.quotas.enums import (
    LIVE_CERTIFICATE,
    AllocationRule,
    CertificateStatus,
    Channel,
    Decision,
    DeclarantClass,
    DeclarantKind,
    PersonRule,
    Reason,
    RequestKind,
    Source,
)
from kubat.quotas.identifiers import parse_declaration_number, validate_tax_id
from kubat.quotas.models import (
    Certificate,
    CustomsPost,
    Declarant,
    QuotaPeriod,
    QuotaRequest,
    RequestedVehicle,
)
from kubat.quotas.services import (
    HEADINGS_BY_POWERTRAIN,
    MAX_VEHICLES_PER_REQUEST,
    DeclarantIn,
    PeriodRules,
    VehicleIn,
    get_period,
    period_rules,
)

# The declaration's date part is the local registration date; local time in KG and KZ is
# UTC+5 or +6, so a date one day ahead of the UTC date is still today somewhere in the region.
_DATE_SLACK = dt.timedelta(days=1)
_VEHICLE_FIELDS = (
    "request",
    "position",
    "vin",
    "make",
    "model",
    "powertrain",
    "model_year",
    "battery_kwh",
    "tariff_code",
    "customs_value",
    "currency",
    "origin_country",
    "decision",
    "reason",
    "reason_detail",
    "decided_at",
)
RECEIVED_ACTION = {
    RequestKind.DECLARATION: "declaration.accepted",
    RequestKind.RESERVATION: "reservation.received",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: Reason
    detail: str = ""


# --- eligibility (one rule for declarations, reservations and pre-checks) -------------------


def declarant_refusal(*, period: QuotaPeriod, declarant: DeclarantIn) -> Refusal | None:
    """Why this declarant may not draw from `period`, from what the declaration carries.

    A person must be permanently resident in the period's country, and a citizen of it where
    the period's `person_rule` says citizens (Kyrgyzstan, Kazakhstan: "citizens permanently
    resident"); a company must be registered there. None when admitted.
    """
    country = period.country_code
    residence = declarant.residence_country.strip().upper()
    if residence != country:
        stated = residence or "not stated"
        return Refusal(
            Reason.NOT_RESIDENT,
            gettext("declared residence %(stated)s; the quota is for %(country)s")
            % {"stated": stated, "country": country},
        )
    citizenship = declarant.citizenship.strip().upper()
    if (
        declarant.kind == DeclarantKind.PERSON
        and period.person_rule == PersonRule.CITIZEN_RESIDENT
        and citizenship != country
    ):
        stated = citizenship or "not stated"
        return Refusal(
            Reason.NOT_CITIZEN,
            gettext("declared citizenship %(stated)s; needs %(country)s")
            % {"stated": stated, "country": country},
        )
    return None


def _compact_code(code: str) -> str:
    return "".join(code.split())


def vehicle_refusal(
    *,
    period: QuotaPeriod,
    vehicle: VehicleIn,
    vin: str,
    seen: set[str],
    catalogue: dict[tuple[str, str], str],
    today: dt.date,
) -> Refusal | None:
    """Why one vehicle cannot draw from `period` (syntax, repeat, powertrain, tariff heading,
    model year, catalogue); None when eligible so far (drawn-before and caps come later)."""
    if problem := vin_problem(vin):
        return Refusal(Reason.INVALID_VIN, problem)
    if vin in seen:
        return Refusal(Reason.REPEATED_IN_REQUEST)
    powertrain = vehicle.powertrain.strip().upper()
    if powertrain not in period.powertrains:
        return Refusal(
            Reason.POWERTRAIN,
            gettext("%(powertrain)s not among %(powertrains)s")
            % {"powertrain": powertrain, "powertrains": ", ".join(period.powertrains)},
        )
    code = _compact_code(vehicle.tariff_code)
    if code:
        if not any(code.startswith(_compact_code(c)) for c in period.tariff_codes):
            return Refusal(
                Reason.TARIFF_CODE,
                gettext("%(tariff_code)s not under %(tariff_codes)s")
                % {
                    "tariff_code": vehicle.tariff_code,
                    "tariff_codes": ", ".join(period.tariff_codes),
                },
            )
        headings = HEADINGS_BY_POWERTRAIN.get(powertrain, ())
        if headings and not code.startswith(headings):
            return Refusal(
                Reason.TARIFF_CODE,
                gettext("a %(powertrain)s is declared under %(headings)s")
                % {"powertrain": powertrain, "headings": ", ".join(headings)},
            )
    if vehicle.model_year is not None and not 1990 <= vehicle.model_year <= today.year + 1:
        return Refusal(Reason.MODEL_YEAR, str(vehicle.model_year))
    known = catalogue.get((vehicle.make.strip().lower(), vehicle.model.strip().lower()))
    if known is None and vehicle.battery_kwh is None:
        return Refusal(
            Reason.UNKNOWN_MODEL, gettext("declare battery_kwh for a model outside the catalogue")
        )
    if known is not None and known != powertrain:
        return Refusal(
            Reason.MODEL_MISMATCH, gettext("the catalogue lists it as %(known)s") % {"known": known}
        )
    return None


def _live_in_period(*, period: QuotaPeriod, declarant: Declarant | None) -> int:
    """The declarant's live certificates in this period (what its cap counts)."""
    if declarant is None:
        return 0
    return Certificate.objects.filter(
        period=period, status__in=LIVE_CERTIFICATE, vehicle__request__declarant=declarant
    ).count()


_DrawnRow = tuple[str, str, int, str, int]  # vin, status, period id, request kind, declarant id


@dataclass(frozen=True, slots=True)
class _Accepted:
    """A receipt's acceptance: its time (read once its window is held), its VINs normalised,
    and their live certificates read in the same round trip as the window lock."""

    at: dt.datetime
    vins: list[str]
    drawn: list[_DrawnRow]


def _accept(
    *, period: QuotaPeriod, vehicles: Sequence[VehicleIn], now: dt.datetime | None
) -> _Accepted:
    """Hold the receipt's window (PostgreSQL), then read the acceptance time.

    `now` given (tests, demo data): its window is held and it is the acceptance time."""
    vins = [normalise_vin(v.vin) for v in vehicles]
    held = None
    if allocation.windowed_on_postgresql(period):
        held = allocation.window_of(period=period, at=now or timezone.now())
    hold = None if held is None else allocation.window_lock_key(period_id=period.pk, window=held)
    drawn = _drawn_rows(vins=vins, hold=hold)
    at = now or allocation.acceptance_time(period=period, held=held)
    return _Accepted(at=at, vins=vins, drawn=drawn)


def _drawn_rows(*, vins: list[str], hold: int | None = None) -> list[_DrawnRow]:
    """The live certificates of `vins` anywhere, with their period, request kind and declarant:
    one query, in plain SQL because every receipt of a rush runs it and the ORM's compilation
    of this join cost several times its execution (bench/quota_profile.py).

    With `hold` (an advisory lock key, PostgreSQL), the same statement takes the receipt's
    window lock (`allocation.hold_window`): the receipt's first round trip holds its window."""
    ops = connection.ops
    certificate = ops.quote_name(Certificate._meta.db_table)
    vehicle = ops.quote_name(RequestedVehicle._meta.db_table)
    request = ops.quote_name(QuotaRequest._meta.db_table)
    drawn = (
        f"SELECT c.vin, c.status, c.period_id, r.kind, r.declarant_id FROM {certificate} c "
        f"JOIN {vehicle} v ON v.id = c.vehicle_id JOIN {request} r ON r.id = v.request_id "
        f"WHERE c.vin IN ({', '.join(['%s'] * len(vins)) or 'NULL'}) "
        f"AND c.status IN ({', '.join(['%s'] * len(LIVE_CERTIFICATE))})"
    )
    params: list[Any] = [*vins, *(status.value for status in LIVE_CERTIFICATE)]
    if hold is not None:
        drawn = (
            "SELECT x.vin, x.status, x.period_id, x.kind, x.declarant_id "
            f"FROM pg_advisory_xact_lock_shared(%s) AS held LEFT JOIN ({drawn}) AS x ON true"
        )
        params.insert(0, hold)
    elif not vins:
        return []
    with connection.cursor() as cursor:
        cursor.execute(drawn, params)
        return [row for row in cursor.fetchall() if row[0] is not None]


def _drawn_and_reserved(
    *, period: QuotaPeriod, declarant: Declarant | None, rows: list[_DrawnRow]
) -> tuple[set[str], set[str]]:
    """VINs holding a live certificate anywhere, and those of them that are this declarant's
    live reservation in this period (a declaration uses it instead of drawing)."""
    drawn, reserved = set(), set()
    for vin, status, period_id, kind, declarant_id in rows:
        drawn.add(vin)
        if (
            declarant is not None
            and status == CertificateStatus.ISSUED
            and period_id == period.pk
            and kind == RequestKind.RESERVATION
            and declarant_id == declarant.pk
        ):
            reserved.add(vin)
    return drawn, reserved


def _refusals(
    *,
    period: QuotaPeriod,
    declarant_data: DeclarantIn,
    declarant: Declarant | None,
    vehicles: Sequence[VehicleIn],
    now: dt.datetime,
    accepted: _Accepted | None = None,
) -> tuple[list[str], list[Refusal | None]]:
    """Each vehicle's refusal at receipt, or None: the declarant rule first (it refuses every
    VIN with the reason named), then the vehicle, then drawn-before, then the cap. `accepted`:
    the VINs and their live certificates as the receipt read them (else read here)."""
    catalogue = fleet_services.catalogue_powertrains()
    if accepted is None:
        vins = [normalise_vin(v.vin) for v in vehicles]
        rows = _drawn_rows(vins=vins)
    else:
        vins, rows = accepted.vins, accepted.drawn
    live, reserved = _drawn_and_reserved(period=period, declarant=declarant, rows=rows)
    drawn = live - reserved
    who = declarant_refusal(period=period, declarant=declarant_data)
    cap = period.per_declarant_cap
    # Only a capped period counts the declarant's certificates (a join that grows with the
    # period's certificates, on every receipt of a rush when it was counted for all).
    used = _live_in_period(period=period, declarant=declarant) if cap is not None else 0
    refusals: list[Refusal | None] = []
    seen: set[str] = set()
    for vehicle, vin in zip(vehicles, vins, strict=True):
        refusal = who or vehicle_refusal(
            period=period,
            vehicle=vehicle,
            vin=vin,
            seen=seen,
            catalogue=catalogue,
            today=now.date(),
        )
        if refusal is None and vin in drawn:
            refusal = Refusal(Reason.ALREADY_DRAWN)
        if refusal is None and cap is not None:
            if used >= cap:
                refusal = Refusal(
                    Reason.CAP,
                    gettext("cap %(cap)s per declarant in %(name)s")
                    % {"cap": cap, "name": period.name},
                )
            else:
                used += 1
        seen.add(vin)
        refusals.append(refusal)
    return vins, refusals


# --- the whole-request checks ----------------------------------------------------------------


def _check_open(*, period: QuotaPeriod, now: dt.datetime) -> None:
    if not period.opens_at <= now < period.closes_at:
        raise Conflict(
            gettext("%(name)s is open from %(opens_at)s to %(closes_at)s UTC")
            % {
                "name": period.name,
                "opens_at": f"{period.opens_at:%Y-%m-%d %H:%M}",
                "closes_at": f"{period.closes_at:%Y-%m-%d %H:%M}",
            }
        )


def check_fits_column(value: Decimal | None, *, column: str, field: str) -> None:
    """InvalidInput naming `field` when `value` does not fit `RequestedVehicle.<column>`.

    The column's own max_digits and decimal_places are the limit (one place for it), checked
    before anything is written: a customs value of 10^12 or with three decimals used to reach
    the database and fail there (a 500 on PostgreSQL, "numeric field overflow").
    """
    if value is None:
        return
    if not isinstance(value, Decimal):  # an int or float from a caller in Python
        value = Decimal(str(value))
    limits = RequestedVehicle._meta.get_field(column)
    assert isinstance(limits, DecimalField)
    digits, places = limits.max_digits or 0, limits.decimal_places or 0
    if not value.is_finite():
        raise InvalidInput(gettext("must be a finite number"), field=field)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if -exponent > places and value != value.quantize(Decimal(1).scaleb(-places)):
        raise InvalidInput(
            gettext("at most %(places)s decimal places") % {"places": places}, field=field
        )
    if abs(value) >= Decimal(10) ** (digits - places):
        raise InvalidInput(
            gettext("at most %(digits)s digits before the decimal point")
            % {"digits": digits - places},
            field=field,
        )


def _check_vehicles(vehicles: Sequence[VehicleIn], *, declaration: bool) -> None:
    """1-100 vehicles, amounts that fit their columns; a declaration also states each one's
    tariff code and customs value."""
    if not 1 <= len(vehicles) <= MAX_VEHICLES_PER_REQUEST:
        raise InvalidInput(
            gettext("a declaration lists 1 to %(MAX_VEHICLES_PER_REQUEST)s vehicles")
            % {"MAX_VEHICLES_PER_REQUEST": MAX_VEHICLES_PER_REQUEST},
            field="vehicles",
        )
    for i, v in enumerate(vehicles):
        check_fits_column(
            v.customs_value, column="customs_value", field=f"vehicles[{i}].customs_value"
        )
        check_fits_column(v.battery_kwh, column="battery_kwh", field=f"vehicles[{i}].battery_kwh")
    if not declaration:
        return
    for i, v in enumerate(vehicles):
        if not _compact_code(v.tariff_code):
            raise InvalidInput(
                gettext("a declared vehicle has its tariff code"),
                field=f"vehicles[{i}].tariff_code",
            )
        if v.customs_value is None or not v.customs_value.is_finite() or v.customs_value <= 0:
            raise InvalidInput(
                gettext("a declared vehicle has a positive customs value"),
                field=f"vehicles[{i}].customs_value",
            )
        if not (len(v.currency.strip()) == 3 and v.currency.strip().isalpha()):
            raise InvalidInput(
                gettext("currency is an ISO 4217 code such as KGS, KZT or USD"),
                field=f"vehicles[{i}].currency",
            )
        origin = v.origin_country.strip()
        if origin and not (len(origin) == 2 and origin.isalpha()):
            raise InvalidInput(
                gettext("origin is an ISO 3166 alpha-2 code"), field=f"vehicles[{i}].origin_country"
            )


def _declarant_row(*, period: QuotaPeriod, data: DeclarantIn) -> Declarant:
    """The declarant's row, created on first sight (kind and class checked against the period)."""
    if data.kind not in period.declarant_kinds:
        raise InvalidInput(
            gettext("this period admits declarants of kind %(value1)s")
            % {"value1": ", ".join(period.declarant_kinds)},
            field="declarant.kind",
        )
    if data.declarant_class not in DeclarantClass.values:
        raise InvalidInput(
            gettext("class must be among %(values)s") % {"values": DeclarantClass.values},
            field="declarant.declarant_class",
        )
    tax_id = validate_tax_id(country_code=period.country_code, kind=data.kind, tax_id=data.tax_id)
    declarant = Declarant(
        country_code=period.country_code,
        tax_id=tax_id,
        kind=data.kind,
        name=data.name,
        declarant_class=data.declarant_class,
    )
    # Inserted, or the row already there read back (without locking it); two posts declaring
    # the same new person at once both end up with the one row. A known declarant keeps its row.
    _pk, kind, declarant_class = bulk.insert_or_read(
        declarant, unique=("country_code", "tax_id"), read=("kind", "declarant_class")
    )
    if kind != data.kind:
        raise InvalidInput(
            gettext("declarant %(tax_id)s is registered as a %(kind)s")
            % {"tax_id": tax_id, "kind": kind},
            field="declarant.kind",
        )
    declarant.declarant_class = declarant_class
    return declarant


def _customs_post(*, rules: PeriodRules, number: str, now: dt.datetime) -> tuple[str, CustomsPost]:
    """The compact number and its customs post; InvalidInput naming `number` otherwise.

    Whether the number is already registered is the INSERT's to say (`_insert_request`): the
    partial unique index answers it in the same round trip."""
    period = rules.period
    parsed = parse_declaration_number(country_code=period.country_code, number=number)
    post = rules.posts.get(parsed.post_code)
    if post is None:
        raise InvalidInput(
            gettext("%(post_code)s is not a %(country_code)s customs post")
            % {"post_code": parsed.post_code, "country_code": period.country_code},
            field="number",
        )
    if parsed.registered_on > (now + _DATE_SLACK).date():
        raise InvalidInput(
            gettext("the number's date %(registered_on)s is after its acceptance")
            % {"registered_on": f"{parsed.registered_on:%d.%m.%Y}"},
            field="number",
        )
    return parsed.number, post


# --- receipt ---------------------------------------------------------------------------------


# The partial unique index quotas_declaration_number_unique (models.QuotaRequest.Meta).
_NUMBER_TAKEN = "(declaration_number) WHERE kind = 'declaration'"


def _insert_request(request: QuotaRequest) -> None:
    """Insert the request; a declaration number already registered is a Conflict on `number`.

    The partial unique index on declaration numbers decides, also when two posts (or a
    retrying client) register the same number at the same moment: it lets one in and makes the
    other wait, then insert nothing (`ON CONFLICT DO NOTHING`), which becomes the 409, never an
    IntegrityError (a 500). The caller's transaction stays usable and is rolled back by the
    Conflict, so nothing of the declaration is recorded.
    """
    if not bulk.insert_unless_taken(request, conflict_target=_NUMBER_TAKEN):
        raise Conflict(
            gettext("declaration %(declaration_number)s is already registered")
            % {"declaration_number": request.declaration_number},
            field="number",
        )


def _receive(
    *,
    user: User,
    period: QuotaPeriod,
    kind: RequestKind,
    declarant: DeclarantIn,
    vehicles: Sequence[VehicleIn],
    channel: str,
    now: dt.datetime,
    number: str = "",
    post: CustomsPost | None = None,
    source: str = Source.MANUAL,
    organisation_id: int | None = None,
    accepted: _Accepted | None = None,
) -> QuotaRequest:
    if channel not in Channel.values:
        raise InvalidInput(
            gettext("channel must be among %(values)s") % {"values": Channel.values},
            field="channel",
        )
    holder = _declarant_row(period=period, data=declarant)
    if (
        getattr(period, "sub_quota_count", 1)
        and not period.sub_quotas.filter(declarant_class=holder.declarant_class).exists()
    ):
        raise Conflict(
            gettext("this period has no sub-quota for %(declarant_class)s declarants")
            % {"declarant_class": holder.declarant_class}
        )
    request = QuotaRequest(
        period=period,
        declarant=holder,
        submitted_by=cast(Any, user),
        organisation_id=organisation_id,
        channel=channel,
        kind=kind,
        declaration_number=number,
        customs_post=post,
        declarant_citizenship=declarant.citizenship.strip().upper()[:2],
        declarant_residence=declarant.residence_country.strip().upper()[:2],
        received_at=now,
        window=allocation.window_of(period=period, at=now),
        source=source,
    )
    _insert_request(request)
    vins, refusals = _refusals(
        period=period,
        declarant_data=declarant,
        declarant=holder,
        vehicles=vehicles,
        now=now,
        accepted=accepted,
    )
    # The vehicles as tuples in _VEHICLE_FIELDS order, streamed with COPY on PostgreSQL (no
    # model instance per vehicle: a rush receives thousands a second).
    rows = [
        (
            request.pk,
            position,
            vin[:40],
            vehicle.make.strip()[:60],
            vehicle.model.strip()[:80],
            vehicle.powertrain.strip().upper()[:8],
            vehicle.model_year,
            vehicle.battery_kwh,
            vehicle.tariff_code.strip()[:16],
            vehicle.customs_value,
            vehicle.currency.strip().upper()[:3],
            vehicle.origin_country.strip().upper()[:2],
            Decision.PENDING.value if refusal is None else Decision.REFUSED.value,
            "" if refusal is None else refusal.reason.value,
            "" if refusal is None else refusal.detail[:200],
            None if refusal is None else now,
        )
        for position, (vehicle, vin, refusal) in enumerate(
            zip(vehicles, vins, refusals, strict=True), start=1
        )
    ]
    core_bulk.insert_rows(RequestedVehicle, columns=_VEHICLE_FIELDS, rows=rows)
    refused = {
        vin[:40]: refusal.reason.value
        for vin, refusal in zip(vins, refusals, strict=True)
        if refusal is not None
    }
    after = {
        "kind": kind.value,
        "declarant": holder.pk,
        "vehicles": len(rows),
        "window": request.window,
        "number": number,
        "customs_post": post.code if post else "",
    }
    audit.record(
        [
            audit.event(
                at=now,
                actor=user,
                action="declaration.accepted"
                if kind == RequestKind.DECLARATION
                else "reservation.received",
                obj=request,
                period=period,
                after={**after, "refused": refused},
            )
        ]
    )
    if period.allocation_rule == AllocationRule.STRICT_ORDER:
        allocation.settle_due(period_id=period.pk, now=now, actor=user)
        request.refresh_from_db()
    return request


def register_declaration(
    *,
    user: User,
    period_id: int,
    number: str,
    declarant: DeclarantIn,
    vehicles: Sequence[VehicleIn],
    channel: str = Channel.API,
    now: dt.datetime | None = None,
    source: str = Source.MANUAL,
) -> QuotaRequest:
    """Customs accepts a goods declaration; its acceptance time (the server's) orders the draw.

    Whole-declaration refusals, nothing recorded: PermissionDenied without the customs role;
    Conflict when the period is not open or the number is already registered; InvalidInput
    naming the field for a number not in the country's format or not of one of its customs
    posts, a bad declarant number, a vehicle without tariff code, customs value or currency.
    Every vehicle then gets its decision: refused at once with its reason (declarant not
    resident or not a citizen, VIN, powertrain, tariff heading, drawn before, cap), or left
    pending for its window's settlement (`allocation.wait_for_decision`).
    """
    customs, organisation_id = account_services.role_and_organisation_id(user, Role.CUSTOMS)
    if not customs:
        raise PermissionDenied(gettext("only customs registers a declaration"))
    # The rules as read at most a second ago in this process (services.period_rules).
    rules = period_rules(period_id=period_id)
    period = rules.period
    _check_open(period=period, now=now or timezone.now())
    _check_vehicles(vehicles, declaration=True)
    accepted = _accept(period=period, vehicles=vehicles, now=now)
    now = accepted.at
    _check_open(period=period, now=now)
    compact, post = _customs_post(rules=rules, number=number, now=now)
    return _receive(
        user=user,
        period=period,
        kind=RequestKind.DECLARATION,
        declarant=declarant,
        vehicles=vehicles,
        channel=channel,
        now=now,
        number=compact,
        post=post,
        source=source,
        organisation_id=organisation_id,
        accepted=accepted,
    )


def reserve_units(
    *,
    user: User,
    period_id: int,
    declarant: DeclarantIn,
    vehicles: Sequence[VehicleIn],
    channel: str = Channel.API,
    now: dt.datetime | None = None,
    source: str = Source.MANUAL,
) -> QuotaRequest:
    """An importer reserves units before the declaration, only where the period's policy does.

    Conflict when the period reserves nothing (`reservation_days` empty, the default: the
    quota is drawn at the declaration and a pre-check answers the broker's question). A
    reservation is drawn by the same window rule; its certificates hold the units for
    `reservation_days` and then lapse.
    """
    if not account_services.has_role(user, Role.IMPORTER):
        raise PermissionDenied(gettext("only importer accounts reserve quota"))
    given, now = now, now or timezone.now()
    period = get_period(period_id=period_id)
    if period.reservation_days is None:
        raise Conflict(
            gettext(
                "%(name)s reserves nothing: the quota is drawn when customs accepts "
                "the declaration; ask for a pre-check instead"
            )
            % {"name": period.name}
        )
    _check_open(period=period, now=now)
    _check_vehicles(vehicles, declaration=False)
    organisation = account_services.organisation_of(user)
    accepted = _accept(period=period, vehicles=vehicles, now=given)
    now = accepted.at
    _check_open(period=period, now=now)
    return _receive(
        user=user,
        period=period,
        kind=RequestKind.RESERVATION,
        declarant=declarant,
        vehicles=vehicles,
        channel=channel,
        now=now,
        source=source,
        organisation_id=organisation.pk if organisation is not None else None,
        accepted=accepted,
    )


def precheck(
    *,
    user: User,
    period_id: int,
    declarant: DeclarantIn,
    vehicles: Sequence[VehicleIn],
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Would each VIN be eligible if declared now, and what is the balance? Writes nothing.

    Importer or customs role (PermissionDenied). The same rules as a declaration (declarant
    residence and citizenship, VIN, powertrain, tariff heading, drawn before, cap); a VIN that
    passes is `eligible`, and the answer carries the balance remaining, which a later
    declaration may or may not still find: nothing is held for the caller.
    """
    if not (
        account_services.has_role(user, Role.IMPORTER)
        or account_services.has_role(user, Role.CUSTOMS)
    ):
        raise PermissionDenied(gettext("only importer or customs accounts may pre-check quota"))
    now = now or timezone.now()
    period = get_period(period_id=period_id)
    _check_vehicles(vehicles, declaration=False)
    if declarant.kind not in period.declarant_kinds:
        raise InvalidInput(
            gettext("this period admits declarants of kind %(value1)s")
            % {"value1": ", ".join(period.declarant_kinds)},
            field="declarant.kind",
        )
    tax_id = validate_tax_id(
        country_code=period.country_code, kind=declarant.kind, tax_id=declarant.tax_id
    )
    holder = Declarant.objects.filter(country_code=period.country_code, tax_id=tax_id).first()
    vins, refusals = _refusals(
        period=period, declarant_data=declarant, declarant=holder, vehicles=vehicles, now=now
    )
    remaining = period.balance.remaining
    is_open = period.opens_at <= now < period.closes_at
    answers = []
    for position, (vin, refusal) in enumerate(zip(vins, refusals, strict=True), start=1):
        if refusal is None and remaining == 0:
            refusal = Refusal(Reason.EXHAUSTED)
        answers.append(
            {
                "position": position,
                "vin": vin,
                "eligible": refusal is None and is_open,
                "reason": "eligible" if refusal is None else refusal.reason.value,
                "reason_detail": "" if refusal is None else refusal.detail,
            }
        )
    return {
        "period": period.pk,
        "period_open": is_open,
        "remaining": remaining,
        "reserves": period.reservation_days is not None,
        "reservation_days": period.reservation_days,
        "checked_at": now,
        "vehicles": answers,
    }


def decimal_or_none(text: str, *, field: str) -> Decimal | None:
    """A form's decimal text, or None when blank; InvalidInput naming `field` otherwise."""
    text = text.strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise InvalidInput(gettext("must be a number"), field=field) from None
    if not value.is_finite():
        raise InvalidInput(gettext("must be a number"), field=field)
    return value
