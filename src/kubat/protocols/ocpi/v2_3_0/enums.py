"""OCPI 2.3.0 enums: the 2.2.1 vocabularies, extended where 2.3.0 extends them.

A StrEnum cannot be subclassed once it has members, so the extended ones are spelled out with
the 2.2.1 members first; a test proves each is a superset of its 2.2.1 namesake.
"""

from __future__ import annotations

from enum import StrEnum

from kubat.protocols.ocpi.v2_2_1 import enums as v221
from kubat.protocols.ocpi.v2_2_1.enums import (
    Capability,
    ConnectorFormat,
    EnergySourceCategory,
    EnvironmentalImpactCategory,
    Facility,
    ImageCategory,
    ParkingRestriction,
    ParkingType,
    PowerType,
    Status,
    TariffDimensionType,
    TariffType,
    TokenType,
)

# ConnectorType: 2.2.1's members plus the MegaWatt Charging System and SAE J3400 (NACS).
ConnectorType = StrEnum(  # type: ignore[misc]
    "ConnectorType",
    [(m.name, m.value) for m in v221.ConnectorType] + [("MCS", "MCS"), ("SAE_J3400", "SAE_J3400")],
)


class ConnectorCapability(StrEnum):
    """What a connector can do (new in 2.3.0)."""

    ISO_15118_2_PLUG_AND_CHARGE = "ISO_15118_2_PLUG_AND_CHARGE"
    ISO_15118_20_PLUG_AND_CHARGE = "ISO_15118_20_PLUG_AND_CHARGE"


class VehicleType(StrEnum):
    """The vehicles a Parking is designed for (new in 2.3.0)."""

    MOTORCYCLE = "MOTORCYCLE"
    PERSONAL_VEHICLE = "PERSONAL_VEHICLE"
    PERSONAL_VEHICLE_WITH_TRAILER = "PERSONAL_VEHICLE_WITH_TRAILER"
    VAN = "VAN"
    SEMI_TRACTOR = "SEMI_TRACTOR"
    RIGID = "RIGID"
    TRUCK_WITH_TRAILER = "TRUCK_WITH_TRAILER"
    BUS = "BUS"
    DISABLED = "DISABLED"


class ParkingDirection(StrEnum):
    PARALLEL = "PARALLEL"
    PERPENDICULAR = "PERPENDICULAR"
    ANGLE = "ANGLE"


class EVSEPosition(StrEnum):
    LEFT = "LEFT"
    RIGHT = "RIGHT"
    CENTER = "CENTER"


class TaxIncluded(StrEnum):
    """Whether a Tariff's amounts include tax (new in 2.3.0, required on every Tariff)."""

    YES = "YES"
    NO = "NO"
    NOT_APPLICABLE = "N/A"


__all__ = [
    "Capability",
    "ConnectorCapability",
    "ConnectorFormat",
    "ConnectorType",
    "EVSEPosition",
    "EnergySourceCategory",
    "EnvironmentalImpactCategory",
    "Facility",
    "ImageCategory",
    "ParkingDirection",
    "ParkingRestriction",
    "ParkingType",
    "PowerType",
    "Status",
    "TariffDimensionType",
    "TariffType",
    "TaxIncluded",
    "TokenType",
    "VehicleType",
]
