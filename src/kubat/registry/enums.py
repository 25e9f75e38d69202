"""The registry's vocabulary: OCPI's enums with the labels people read, and Kubat's own.

The value sets are OCPI 2.2.1's (kubat.protocols.ocpi.v2_2_1.enums, re-exported here so the
registry's callers need one import); the Django choices of the model fields are built from them
and carry English labels for the admin. The portal's translated labels are in
kubat.portal.labels. `Source` and `ChargingClass` are Kubat's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from django.db import models

from kubat.protocols.ocpi.v2_2_1.enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    Facility,
    ParkingRestriction,
    ParkingType,
    PowerType,
    Status,
)

__all__ = [
    "ANY_STANDARD",
    "CONNECTOR_FORMAT_CHOICES",
    "CONNECTOR_TYPE_CHOICES",
    "PARKING_TYPE_CHOICES",
    "POWER_TYPE_CHOICES",
    "STANDARD_CODES",
    "STATUS_CHOICES",
    "Capability",
    "ChargingClass",
    "ConnectorFormat",
    "ConnectorType",
    "Facility",
    "ParkingRestriction",
    "ParkingType",
    "PowerType",
    "Source",
    "Status",
]


def choices_of(enum: type[StrEnum], labels: Mapping[StrEnum, str]) -> list[tuple[str, str]]:
    """Django `choices` for a wire enum: every member, in the enum's order, with its label."""
    return [(member.value, labels.get(member, member.value)) for member in enum]


CONNECTOR_TYPE_CHOICES = [
    *choices_of(
        ConnectorType,
        {
            ConnectorType.CHADEMO: "CHAdeMO",
            ConnectorType.CHAOJI: "ChaoJi",
            ConnectorType.DOMESTIC_A: "Domestic A (NEMA 1-15)",
            ConnectorType.DOMESTIC_B: "Domestic B (NEMA 5-15)",
            ConnectorType.DOMESTIC_C: "Domestic C (CEE 7/17 Europlug)",
            ConnectorType.DOMESTIC_D: "Domestic D (BS 546)",
            ConnectorType.DOMESTIC_E: "Domestic E (CEE 7/5)",
            ConnectorType.DOMESTIC_F: "Domestic F (CEE 7/4 Schuko)",
            ConnectorType.DOMESTIC_G: "Domestic G (BS 1363)",
            ConnectorType.DOMESTIC_H: "Domestic H (SI-32)",
            ConnectorType.DOMESTIC_I: "Domestic I (AS 3112)",
            ConnectorType.DOMESTIC_J: "Domestic J (SEV 1011)",
            ConnectorType.DOMESTIC_K: "Domestic K (DS 60884-2-D1)",
            ConnectorType.DOMESTIC_L: "Domestic L (CEI 23-16-VII)",
            ConnectorType.DOMESTIC_M: "Domestic M (BS 546 15 A)",
            ConnectorType.DOMESTIC_N: "Domestic N (NBR 14136)",
            ConnectorType.DOMESTIC_O: "Domestic O (TIS 166-2549)",
            ConnectorType.GBT_AC: "GB/T AC (GB/T 20234.2)",
            ConnectorType.GBT_DC: "GB/T DC (GB/T 20234.3)",
            ConnectorType.IEC_60309_2_SINGLE_16: "IEC 60309-2 single phase 16 A",
            ConnectorType.IEC_60309_2_THREE_16: "IEC 60309-2 three phase 16 A",
            ConnectorType.IEC_60309_2_THREE_32: "IEC 60309-2 three phase 32 A",
            ConnectorType.IEC_60309_2_THREE_64: "IEC 60309-2 three phase 64 A",
            ConnectorType.IEC_62196_T1: "Type 1 (SAE J1772)",
            ConnectorType.IEC_62196_T1_COMBO: "CCS1 (Combo 1)",
            ConnectorType.IEC_62196_T2: "Type 2 (IEC 62196-2)",
            ConnectorType.IEC_62196_T2_COMBO: "CCS2 (Combo 2)",
            ConnectorType.IEC_62196_T3A: "Type 3A",
            ConnectorType.IEC_62196_T3C: "Type 3C",
            ConnectorType.NEMA_5_20: "NEMA 5-20",
            ConnectorType.NEMA_6_30: "NEMA 6-30",
            ConnectorType.NEMA_6_50: "NEMA 6-50",
            ConnectorType.NEMA_10_30: "NEMA 10-30",
            ConnectorType.NEMA_10_50: "NEMA 10-50",
            ConnectorType.NEMA_14_30: "NEMA 14-30",
            ConnectorType.NEMA_14_50: "NEMA 14-50",
            ConnectorType.PANTOGRAPH_BOTTOM_UP: "Pantograph (bottom up)",
            ConnectorType.PANTOGRAPH_TOP_DOWN: "Pantograph (top down)",
            ConnectorType.TESLA_R: "Tesla Roadster",
            ConnectorType.TESLA_S: "Tesla Model S",
        },
    ),
    # OCPI 2.3.0 adds these two (kubat.protocols.ocpi.v2_3_0.enums.ConnectorType); the registry
    # holds the union of the versions' values, and a 2.2.1 view leaves them out.
    ("MCS", "MCS (Megawatt Charging System)"),
    ("SAE_J3400", "SAE J3400 (NACS)"),
]

# Small integer per standard for the spatial index; 0 stands for "any standard".
# Append only: the numbers are stored in registry_searchpoint.
STANDARD_CODES: dict[str, int] = {
    value: i + 1 for i, (value, _) in enumerate(CONNECTOR_TYPE_CHOICES)
}
ANY_STANDARD = 0

CONNECTOR_FORMAT_CHOICES = choices_of(
    ConnectorFormat,
    {
        ConnectorFormat.SOCKET: "Socket",
        ConnectorFormat.CABLE: "Cable",
    },
)
POWER_TYPE_CHOICES = choices_of(
    PowerType,
    {
        PowerType.AC_1_PHASE: "AC single phase",
        PowerType.AC_2_PHASE: "AC two phases",
        PowerType.AC_2_PHASE_SPLIT: "AC two phases, split",
        PowerType.AC_3_PHASE: "AC three phases",
        PowerType.DC: "DC",
    },
)
STATUS_CHOICES = choices_of(
    Status,
    {
        Status.AVAILABLE: "Available",
        Status.BLOCKED: "Blocked",
        Status.CHARGING: "Charging",
        Status.INOPERATIVE: "Inoperative",
        Status.OUTOFORDER: "Out of order",
        Status.PLANNED: "Planned",
        Status.REMOVED: "Removed",
        Status.RESERVED: "Reserved",
        Status.UNKNOWN: "Unknown",
    },
)
PARKING_TYPE_CHOICES = choices_of(
    ParkingType,
    {
        ParkingType.ALONG_MOTORWAY: "Along a motorway",
        ParkingType.PARKING_GARAGE: "Parking garage",
        ParkingType.PARKING_LOT: "Parking lot",
        ParkingType.ON_DRIVEWAY: "On a driveway",
        ParkingType.ON_STREET: "On street",
        ParkingType.UNDERGROUND_GARAGE: "Underground garage",
    },
)


class Source(models.TextChoices):
    """The road a write came by: recorded on locations, parties and every status event."""

    DEMO = "demo", "Generated demo data"
    API = "api", "Written through /api/v1"
    ADMIN = "admin", "Entered by hand in the admin"
    IMPORT = "import", "Imported from a file"
    OCPI = "ocpi", "Pushed or pulled over OCPI"
    PERMIT = "permit", "Created by a commissioned permit"


class ChargingClass(models.TextChoices):
    AC = "AC", "AC"
    DC = "DC", "DC below 150 kW"
    HPC = "HPC", "High power ≥ 150 kW"
