"""OCPI 2.2.1 Locations module objects (spec chapter 8), field for field."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from kubat.protocols.ocpi.v2_2_1.enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    EnergySourceCategory,
    EnvironmentalImpactCategory,
    Facility,
    ImageCategory,
    ParkingRestriction,
    ParkingType,
    PowerType,
    Status,
    TokenType,
)
from kubat.protocols.ocpi.v2_2_1.types import (
    URL,
    Ci2,
    Ci3,
    Ci36,
    Ci48,
    DateTime,
    DisplayText,
    OcpiObject,
)

Latitude = Annotated[str, StringConstraints(max_length=10, pattern=r"^-?[0-9]{1,2}\.[0-9]{5,7}$")]
Longitude = Annotated[str, StringConstraints(max_length=11, pattern=r"^-?[0-9]{1,3}\.[0-9]{5,7}$")]


class GeoLocation(OcpiObject):
    latitude: Latitude
    longitude: Longitude


class AdditionalGeoLocation(GeoLocation):
    name: DisplayText | None = None


class Image(OcpiObject):
    url: URL
    thumbnail: URL | None = None
    category: ImageCategory
    type: Annotated[str, StringConstraints(max_length=4)]
    width: Annotated[int, Field(ge=0, le=99999)] | None = None
    height: Annotated[int, Field(ge=0, le=99999)] | None = None


class BusinessDetails(OcpiObject):
    name: Annotated[str, StringConstraints(max_length=100)]
    website: URL | None = None
    logo: Image | None = None


class RegularHours(OcpiObject):
    weekday: Annotated[int, Field(ge=1, le=7)]
    period_begin: Annotated[str, StringConstraints(pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")]
    period_end: Annotated[str, StringConstraints(pattern=r"^([0-1][0-9]|2[0-4]):[0-5][0-9]$")]


class ExceptionalPeriod(OcpiObject):
    period_begin: DateTime
    period_end: DateTime


class Hours(OcpiObject):
    # The validator's rule in the object's JSON Schema, so a schema reader sees it too.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"properties": {"twentyfourseven": {"const": True}}},
                {
                    "properties": {
                        "twentyfourseven": {"const": False},
                        "regular_hours": {"type": "array", "minItems": 1},
                    },
                    "required": ["regular_hours"],
                },
            ]
        }
    )

    twentyfourseven: bool
    regular_hours: list[RegularHours] | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None

    @model_validator(mode="after")
    def _hours_when_not_always_open(self) -> Hours:
        """8.4.14: regular_hours "SHALL be set" when twentyfourseven is false."""
        if not self.twentyfourseven and not self.regular_hours:
            raise ValueError("regular_hours must be given when twentyfourseven is false")
        return self


class EnergySource(OcpiObject):
    source: EnergySourceCategory
    percentage: Annotated[float, Field(ge=0, le=100)]


class EnvironmentalImpact(OcpiObject):
    category: EnvironmentalImpactCategory
    amount: Annotated[float, Field(ge=0)]


class EnergyMix(OcpiObject):
    is_green_energy: bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: Annotated[str, StringConstraints(max_length=64)] | None = None
    energy_product_name: Annotated[str, StringConstraints(max_length=64)] | None = None


class PublishTokenType(OcpiObject):
    uid: Ci36 | None = None
    type: TokenType | None = None
    visual_number: Annotated[str, StringConstraints(max_length=64)] | None = None
    issuer: Annotated[str, StringConstraints(max_length=64)] | None = None
    group_id: Ci36 | None = None


class StatusSchedule(OcpiObject):
    period_begin: DateTime
    period_end: DateTime | None = None
    status: Status


class Connector(OcpiObject):
    id: Ci36
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: Annotated[int, Field(ge=0)]
    max_amperage: Annotated[int, Field(ge=0)]
    max_electric_power: Annotated[int, Field(ge=0)] | None = None
    tariff_ids: list[Ci36] | None = None
    terms_and_conditions: URL | None = None
    last_updated: DateTime


class EVSE(OcpiObject):
    uid: Ci36
    evse_id: Ci48 | None = None
    status: Status
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: Annotated[list[Connector], Field(min_length=1)]
    floor_level: Annotated[str, StringConstraints(max_length=4)] | None = None
    coordinates: GeoLocation | None = None
    physical_reference: Annotated[str, StringConstraints(max_length=16)] | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[ParkingRestriction] | None = None
    images: list[Image] | None = None
    last_updated: DateTime


class Location(OcpiObject):
    # The validator's rule (8.3.1) in the object's JSON Schema.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"properties": {"publish": {"const": False}}},
                {
                    "properties": {
                        "publish": {"const": True},
                        "publish_allowed_to": {
                            "anyOf": [{"type": "null"}, {"type": "array", "maxItems": 0}]
                        },
                    }
                },
            ]
        }
    )

    country_code: Ci2
    party_id: Ci3
    id: Ci36
    publish: bool
    publish_allowed_to: list[PublishTokenType] | None = None
    name: Annotated[str, StringConstraints(max_length=255)] | None = None
    address: Annotated[str, StringConstraints(min_length=1, max_length=45)]
    city: Annotated[str, StringConstraints(min_length=1, max_length=45)]
    postal_code: Annotated[str, StringConstraints(max_length=10)] | None = None
    state: Annotated[str, StringConstraints(max_length=20)] | None = None
    country: Annotated[str, StringConstraints(min_length=3, max_length=3)]
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: ParkingType | None = None
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] | None = None
    time_zone: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    opening_times: Hours | None = None
    charging_when_closed: bool | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime

    @model_validator(mode="after")
    def _allowed_to_only_when_unpublished(self) -> Location:
        """8.3.1: publish_allowed_to "is only allowed to be set if publish is set to false"."""
        if self.publish and self.publish_allowed_to:
            raise ValueError("publish_allowed_to is only allowed when publish is false")
        return self
