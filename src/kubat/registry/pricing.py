"""What a stated reference session costs under an OCPI tariff: the ad-hoc price people compare.

A price only compares when every station is priced for the same session, so Kubat states two
(docs/open-data.md): on DC 30 kWh in 45 minutes (40 kW on average), on AC 11 kWh in 2 hours
(5.5 kW), both starting on a Wednesday at 12:00 local time, charging the whole time, no
parking time and no reservation. The tariff is walked minute by minute, as OCPI prices a
session (11.3.4): at each minute the first element whose restrictions hold (time of day,
date, day of week, energy so far, minutes so far, power, current) prices each dimension; a
FLAT fee is charged once, from the first element that applies at the start. Each element's
amount of a dimension is billed in whole `step_size` blocks (Wh for ENERGY, seconds for TIME),
rounded up, then `min_price` and `max_price` bound the total. VAT is per price component
(absent = none). Elements with a reservation restriction price reservations, not charging, and
are skipped. A pure function of the tariff object: no database.

Taxes follow OCPI 2.3.0's `tax_included` (a 2.2.1 tariff is read as registry.wire says: its
prices exclude VAT): NO adds each component's VAT to its price, YES takes the prices as
including it (and divides it out for the amount before tax), N/A has no tax at all. The price
says which, so nobody reads an amount before tax as the price a driver pays.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from kubat.protocols.ocpi.v2_2_1.enums import DayOfWeek, TariffDimensionType
from kubat.registry.wire import V2_3_0, tariff_to_ocpi


@dataclass(frozen=True, slots=True)
class ReferenceSession:
    """A charging session to price: energy in kWh over minutes, at a voltage and phases."""

    name: str
    kwh: float
    minutes: int
    amps: float  # the current drawn, summed over phases (for min/max_current restrictions)
    start: datetime  # local time at the station


# A Wednesday at noon: a weekday, inside day-time tariffs, outside night ones. Naive on
# purpose: tariff restrictions are in the station's local time (OCPI 11.4.6).
REFERENCE_START = datetime(2026, 6, 3, 12, 0)  # noqa: DTZ001
DC_SESSION = ReferenceSession("DC: 30 kWh in 45 min", 30.0, 45, 100.0, REFERENCE_START)
AC_SESSION = ReferenceSession("AC: 11 kWh in 2 h", 11.0, 120, 24.0, REFERENCE_START)


@dataclass(frozen=True, slots=True)
class SessionPrice:
    """The price of a reference session: currency, before and after VAT (tax), and whether
    the tariff's amounts include tax (OCPI 2.3.0 TaxIncluded: YES, NO, N/A)."""

    session: str
    currency: str
    excl_vat: float
    incl_vat: float
    vat_stated: bool  # whether some component states a VAT rate
    tax_included: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "currency": self.currency,
            "excl_vat": self.excl_vat,
            "incl_vat": self.incl_vat,
        }

    @property
    def includes_tax(self) -> bool:
        """Whether `incl_vat` is what a driver pays, tax and all: the amounts include tax
        (YES), none applies (N/A), or the tariff states the VAT that is added (NO with VAT).
        False only for NO without a stated rate: tax comes on top, at a rate nobody told."""
        return self.tax_included != "NO" or self.vat_stated


_WEEKDAYS = list(DayOfWeek)


def _hhmm(text: str) -> time:
    return time(int(text[:2]), int(text[3:5]))


def _applies(restrictions: dict[str, Any] | None, *, at: datetime, kwh: float, minutes: float,
             kw: float, amps: float) -> bool:  # fmt: skip
    if not restrictions:
        return True
    r = restrictions
    if r.get("reservation"):
        return False
    if "start_time" in r or "end_time" in r:
        begin, end, now = (
            _hhmm(r.get("start_time", "00:00")),
            _hhmm(r.get("end_time", "00:00")),
            at.time(),
        )
        inside = begin <= now < end if begin < end else (now >= begin or now < end)
        if not inside:
            return False
    if "start_date" in r and at.date() < date.fromisoformat(r["start_date"]):
        return False
    if "end_date" in r and at.date() >= date.fromisoformat(r["end_date"]):
        return False
    if r.get("day_of_week") and _WEEKDAYS[at.weekday()] not in r["day_of_week"]:
        return False
    checks = [
        ("min_kwh", kwh, True), ("max_kwh", kwh, False),
        ("min_duration", minutes * 60, True), ("max_duration", minutes * 60, False),
        ("min_power", kw, True), ("max_power", kw, False),
        ("min_current", amps, True), ("max_current", amps, False),
    ]  # fmt: skip
    for key, value, is_min in checks:
        if key in r and (value < r[key] if is_min else value >= r[key]):
            return False
    return True


def session_price(tariff: dict[str, Any], session: ReferenceSession) -> SessionPrice | None:
    """The price of `session` under the OCPI Tariff object `tariff`, 2.2.1 or 2.3.0 (see the
    module docstring); None when no element prices any part of it (a night-only tariff at noon,
    say): unknown, which is not the same as free."""
    tariff = tariff_to_ocpi(tariff, version=V2_3_0)
    tax = tariff["tax_included"]
    elements = tariff["elements"]
    kw = session.kwh / (session.minutes / 60)
    per_minute_kwh = session.kwh / session.minutes
    # (element index, dimension) → amount consumed: kWh for ENERGY, seconds for TIME.
    used: dict[tuple[int, str], float] = defaultdict(float)
    flat: tuple[int, dict[str, Any]] | None = None
    for minute in range(session.minutes):
        at = session.start + timedelta(minutes=minute)
        priced: set[str] = set()
        for index, element in enumerate(elements):
            if not _applies(
                element.get("restrictions"),
                at=at,
                kwh=minute * per_minute_kwh,
                minutes=minute,
                kw=kw,
                amps=session.amps,
            ):
                continue
            for component in element["price_components"]:
                kind = component["type"]
                if kind in priced:
                    continue
                priced.add(kind)
                if kind == TariffDimensionType.ENERGY:
                    used[(index, kind)] += per_minute_kwh
                elif kind == TariffDimensionType.TIME:
                    used[(index, kind)] += 60
                elif kind == TariffDimensionType.FLAT and minute == 0 and flat is None:
                    flat = (index, component)
    if not used and flat is None:
        return None
    excl = incl = 0.0
    stated_vat = False
    charges: list[tuple[float, dict[str, Any]]] = []
    for (index, kind), amount in used.items():
        component = next(c for c in elements[index]["price_components"] if c["type"] == kind)
        step = component.get("step_size") or 1
        if kind == TariffDimensionType.ENERGY:
            billed_hours_or_kwh = math.ceil(round(amount * 1000, 6) / step) * step / 1000
        else:
            billed_hours_or_kwh = math.ceil(round(amount, 6) / step) * step / 3600
        charges.append((component["price"] * billed_hours_or_kwh, component))
    if flat is not None:
        charges.append((flat[1]["price"], flat[1]))
    for cost, component in charges:
        before, after = _taxed(cost, vat=component.get("vat"), tax_included=tax)
        excl += before
        incl += after
        stated_vat |= component.get("vat") is not None
    if minimum := tariff.get("min_price"):
        excl, incl = _bounded(excl, incl, minimum, max)
    if maximum := tariff.get("max_price"):
        excl, incl = _bounded(excl, incl, maximum, min)
    return SessionPrice(
        session.name, tariff["currency"], round(excl, 2), round(incl, 2), stated_vat, tax
    )


def _bounded(
    excl: float, incl: float, limit: dict[str, Any], clamp: Callable[[float, float], float]
) -> tuple[float, float]:
    """Amounts before and after tax within a PriceLimit: both of its bounds apply, each to its
    own side of tax (2.3.0). Without `after_taxes` the tax moves with the amount it is on."""
    bounded = clamp(excl, limit["before_taxes"])
    if "after_taxes" in limit:
        return bounded, clamp(incl, limit["after_taxes"])
    return bounded, (incl * bounded / excl) if excl else bounded


def _taxed(cost: float, *, vat: float | None, tax_included: str) -> tuple[float, float]:
    """A charge before and after tax: YES means `cost` includes the VAT, NO that the VAT is
    added to it, N/A that no tax applies (a stated rate is then ignored)."""
    rate = (vat or 0) / 100
    if tax_included == "YES":
        return cost / (1 + rate), cost
    if tax_included == "NO":
        return cost, cost * (1 + rate)
    return cost, cost


def evse_price(
    *, dc: bool, tariff_ids: list[str], tariffs: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The ad-hoc price of an EVSE: its DC or AC reference session under the tariff its
    connectors name, preferring an AD_HOC_PAYMENT one (a driver without a contract pays it),
    else the first that resolves; None when none does. `tariffs`: upper-cased id → object."""
    known = [tariffs[t.upper()] for t in tariff_ids if t.upper() in tariffs]
    if not known:
        return None
    chosen = next((t for t in known if t.get("type") == "AD_HOC_PAYMENT"), known[0])
    price = session_price(chosen, DC_SESSION if dc else AC_SESSION)
    if price is None:
        return None
    return {
        **price.as_dict(),
        "tariff_id": chosen["id"],
        "tariff_type": chosen.get("type"),
        "vat_stated": price.vat_stated,
        "tax_included": price.tax_included,
        "includes_tax": price.includes_tax,
    }
