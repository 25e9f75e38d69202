"""OCPI 2.2.1 CDRs module objects (spec chapter 10), field for field.

A CDR is the record of one finished charging session as the CPO bills it: who (`cdr_token`),
where (`cdr_location`, a snapshot of the location, EVSE and connector at the time), when
(`start_date_time`, `end_date_time`), how much (`total_energy` in kWh, `total_time` and
`total_parking_time` in hours) and at what cost (`total_cost`, excluding and including VAT).
A CDR is never changed: a correction is a credit CDR (`credit`, `credit_reference_id`) and a
new CDR. Kubat receives CDRs as the national access point, for the energy delivered per
location and month (the emissions figures).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from kubat.protocols.ocpi.v2_2_1.enums import (
    AuthMethod,
    CdrDimensionType,
    ConnectorFormat,
    ConnectorType,
    PowerType,
    TokenType,
)
from kubat.protocols.ocpi.v2_2_1.locations import GeoLocation
from kubat.protocols.ocpi.v2_2_1.tariffs import Currency, Tariff
from kubat.protocols.ocpi.v2_2_1.types import Ci2, Ci3, Ci36, DateTime, OcpiObject

Ci39 = Annotated[str, StringConstraints(min_length=1, max_length=39, pattern=r"^[\x20-\x7e]*$")]
Ci48 = Annotated[str, StringConstraints(min_length=1, max_length=48, pattern=r"^[\x20-\x7e]*$")]
# A session's figures: kWh, hours, amps, watts, per cent. Bounded so that no real session is
# refused and no stored number is absurd (a year of 1 MW is 8,760 MWh; a session is far less).
Quantity = Annotated[float, Field(ge=0, le=10_000_000)]


# A credit CDR carries negative costs (10.3.1: it reverses the CDR it credits).
Money = Annotated[float, Field(ge=-1_000_000, le=1_000_000)]


class Price(OcpiObject):
    excl_vat: Money
    incl_vat: Money | None = None


class CdrToken(OcpiObject):
    country_code: Ci2
    party_id: Ci3
    uid: Ci36
    type: TokenType
    contract_id: Ci36


class CdrLocation(OcpiObject):
    id: Ci36
    name: Annotated[str, StringConstraints(max_length=255)] | None = None
    address: Annotated[str, StringConstraints(min_length=1, max_length=45)]
    city: Annotated[str, StringConstraints(min_length=1, max_length=45)]
    postal_code: Annotated[str, StringConstraints(max_length=10)] | None = None
    state: Annotated[str, StringConstraints(max_length=20)] | None = None
    country: Annotated[str, StringConstraints(min_length=3, max_length=3)]
    coordinates: GeoLocation
    evse_uid: Ci36
    evse_id: Ci48
    connector_id: Ci36
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class CdrDimension(OcpiObject):
    type: CdrDimensionType
    volume: Quantity


class ChargingPeriod(OcpiObject):
    start_date_time: DateTime
    dimensions: Annotated[list[CdrDimension], Field(min_length=1)]
    tariff_id: Ci36 | None = None


class SignedValue(OcpiObject):
    nature: Annotated[str, StringConstraints(max_length=32)]
    plain_data: Annotated[str, StringConstraints(max_length=512)]
    signed_data: Annotated[str, StringConstraints(max_length=5000)]


class SignedData(OcpiObject):
    encoding_method: Ci36
    encoding_method_version: int | None = None
    public_key: Annotated[str, StringConstraints(max_length=512)] | None = None
    signed_values: Annotated[list[SignedValue], Field(min_length=1)]
    url: Annotated[str, StringConstraints(max_length=512)] | None = None


class CDR(OcpiObject):
    country_code: Ci2
    party_id: Ci3
    id: Ci39
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: Ci36 | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: Ci36 | None = None
    cdr_location: CdrLocation
    meter_id: Annotated[str, StringConstraints(max_length=255)] | None = None
    currency: Currency
    tariffs: list[Tariff] | None = None
    charging_periods: Annotated[list[ChargingPeriod], Field(min_length=1)]
    signed_data: SignedData | None = None
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: Quantity
    total_energy_cost: Price | None = None
    total_time: Quantity
    total_time_cost: Price | None = None
    total_parking_time: Quantity | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: Annotated[str, StringConstraints(max_length=255)] | None = None
    invoice_reference_id: Ci39 | None = None
    credit: bool | None = None
    credit_reference_id: Ci39 | None = None
    home_charging_compensation: bool | None = None
    last_updated: DateTime

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> CDR:
        if self.end_date_time < self.start_date_time:
            raise ValueError("end_date_time is before start_date_time")
        if self.credit and not self.credit_reference_id:
            raise ValueError("a credit CDR needs credit_reference_id (10.3.1)")
        return self
