"""OCPI 2.2.1 Tariffs module objects (spec chapter 11), field for field.

Prices are numbers excluding VAT; `vat` is a percentage, absent meaning no VAT applies (which
is not the same as 0 %). Step sizes are in Wh (ENERGY) or seconds (TIME, PARKING_TIME).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from kubat.protocols.ocpi.v2_2_1.enums import (
    DayOfWeek,
    ReservationRestrictionType,
    TariffDimensionType,
    TariffType,
)
from kubat.protocols.ocpi.v2_2_1.locations import EnergyMix
from kubat.protocols.ocpi.v2_2_1.types import URL, Ci2, Ci3, Ci36, DateTime, DisplayText, OcpiObject

Amount = Annotated[float, Field(ge=0, le=1_000_000)]
Percentage = Annotated[float, Field(ge=0, le=100)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
TimeOfDay = Annotated[str, StringConstraints(pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")]


def _real_date(value: str) -> str:
    """A calendar date that exists (2026-02-30 does not), kept as the text it was sent as."""
    date.fromisoformat(value)
    return value


LocalDate = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), AfterValidator(_real_date)
]


class Price(OcpiObject):
    excl_vat: Amount
    incl_vat: Amount | None = None


class PriceComponent(OcpiObject):
    type: TariffDimensionType
    price: Amount
    vat: Percentage | None = None
    step_size: Annotated[int, Field(ge=0, le=86_400_000)]


class TariffRestrictions(OcpiObject):
    start_time: TimeOfDay | None = None
    end_time: TimeOfDay | None = None
    start_date: LocalDate | None = None
    end_date: LocalDate | None = None
    min_kwh: Amount | None = None
    max_kwh: Amount | None = None
    min_current: Amount | None = None
    max_current: Amount | None = None
    min_power: Amount | None = None
    max_power: Amount | None = None
    min_duration: Annotated[int, Field(ge=0)] | None = None
    max_duration: Annotated[int, Field(ge=0)] | None = None
    day_of_week: list[DayOfWeek] | None = None
    reservation: ReservationRestrictionType | None = None


class TariffElement(OcpiObject):
    price_components: Annotated[list[PriceComponent], Field(min_length=1, max_length=50)]
    restrictions: TariffRestrictions | None = None


class Tariff(OcpiObject):
    country_code: Ci2
    party_id: Ci3
    id: Ci36
    currency: Currency
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: URL | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    elements: Annotated[list[TariffElement], Field(min_length=1, max_length=100)]
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
