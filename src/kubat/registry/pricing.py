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
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from kubat.protocols.ocpi.v2_2_1.enums import DayOfWeek, TariffDimensionType


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
    """The price of a reference session: currency, excluding and including VAT."""

    session: str
    currency: str
    excl_vat: float
    incl_vat: float
    tax_included: bool  # incl_vat differs from excl_vat only where a component states VAT

    def as_dict(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "currency": self.currency,
            "excl_vat": self.excl_vat,
            "incl_vat": self.incl_vat,
        }


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
    """The price of `session` under the OCPI Tariff object `tariff` (see the module docstring);
    None when no element prices any part of it (a night-only tariff at noon, say): unknown,
    which is not the same as free."""
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
    for (index, kind), amount in used.items():
        component = next(c for c in elements[index]["price_components"] if c["type"] == kind)
        step = component.get("step_size") or 1
        if kind == TariffDimensionType.ENERGY:
            billed_hours_or_kwh = math.ceil(round(amount * 1000, 6) / step) * step / 1000
        else:
            billed_hours_or_kwh = math.ceil(round(amount, 6) / step) * step / 3600
        cost = component["price"] * billed_hours_or_kwh
        excl += cost
        incl += cost * (1 + (component.get("vat") or 0) / 100)
        stated_vat |= component.get("vat") is not None
    if flat is not None:
        component = flat[1]
        excl += component["price"]
        incl += component["price"] * (1 + (component.get("vat") or 0) / 100)
        stated_vat |= component.get("vat") is not None
    if (minimum := tariff.get("min_price")) and excl < minimum["excl_vat"]:
        excl, incl = minimum["excl_vat"], minimum.get("incl_vat", minimum["excl_vat"])
    if (maximum := tariff.get("max_price")) and excl > maximum["excl_vat"]:
        excl, incl = maximum["excl_vat"], maximum.get("incl_vat", maximum["excl_vat"])
    return SessionPrice(
        session.name, tariff["currency"], round(excl, 2), round(incl, 2), stated_vat
    )


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
        "vat_stated": price.tax_included,
    }
