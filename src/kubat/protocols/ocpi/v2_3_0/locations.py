"""OCPI 2.3.0 Locations module objects: 2.2.1's, with the fields 2.3.0 adds.

Each 2.3.0 object subclasses its 2.2.1 namesake, so the shared fields and cross-field rules
(regular_hours when not 24/7, publish_allowed_to only when unpublished) are written once.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from kubat.protocols.ocpi.v2_2_1 import locations as v221
from kubat.protocols.ocpi.v2_2_1.locations import (
    AdditionalGeoLocation,
    BusinessDetails,
    EnergyMix,
    GeoLocation,
    Hours,
    Image,
)
from kubat.protocols.ocpi.v2_3_0.enums import (
    ConnectorCapability,
    ConnectorType,
    EVSEPosition,
    ParkingDirection,
    VehicleType,
)
from kubat.protocols.ocpi.v2_3_0.types import Ci36, OcpiObject

Centimetres = Annotated[float, Field(ge=0)]


class Parking(OcpiObject):
    """A parking space (or the parking rules near an EVSE) of a Location."""

    id: Ci36
    physical_reference: Annotated[str, StringConstraints(max_length=12)] | None = None
    vehicle_types: Annotated[list[VehicleType], Field(min_length=1)]
    max_vehicle_weight: Annotated[float, Field(ge=0)] | None = None
    max_vehicle_height: Centimetres | None = None
    max_vehicle_length: Centimetres | None = None
    max_vehicle_width: Centimetres | None = None
    parking_space_length: Centimetres | None = None
    parking_space_width: Centimetres | None = None
    dangerous_goods_allowed: bool | None = None
    direction: ParkingDirection | None = None
    drive_through: bool | None = None
    restricted_to_type: bool
    reservation_required: bool
    time_limit: Annotated[float, Field(ge=0)] | None = None
    roofed: bool | None = None
    images: list[Image] | None = None
    lighting: bool | None = None
    refrigeration_outlet: bool | None = None
    standards: list[Ci36] | None = None
    apds_reference: Annotated[str, StringConstraints(max_length=255)] | None = None


class EVSEParking(OcpiObject):
    """An EVSE's link to a Parking of its Location."""

    parking_id: Ci36
    evse_position: EVSEPosition | None = None


class Connector(v221.Connector):
    standard: ConnectorType  # type: ignore[assignment]
    capabilities: list[ConnectorCapability] | None = None


class EVSE(v221.EVSE):
    connectors: Annotated[list[Connector], Field(min_length=1)]  # type: ignore[assignment]
    parking: list[EVSEParking] | None = None
    accepted_service_providers: list[Annotated[str, StringConstraints(max_length=50)]] | None = None


class Location(v221.Location):
    evses: list[EVSE] | None = None  # type: ignore[assignment]
    parking_places: list[Parking] | None = None
    help_phone: Annotated[str, StringConstraints(max_length=25)] | None = None

    @model_validator(mode="after")
    def _evse_parking_names_a_parking_place(self) -> Location:
        """An EVSEParking refers to a Parking of the same Location by its id (8.3.2)."""
        places = {p.id.upper() for p in self.parking_places or []}
        for evse in self.evses or []:
            for link in evse.parking or []:
                if link.parking_id.upper() not in places:
                    raise ValueError(
                        f"EVSE {evse.uid} parking_id {link.parking_id} is not in parking_places"
                    )
        return self


__all__ = [
    "EVSE",
    "AdditionalGeoLocation",
    "BusinessDetails",
    "Connector",
    "EVSEParking",
    "EnergyMix",
    "GeoLocation",
    "Hours",
    "Image",
    "Location",
    "Parking",
]
