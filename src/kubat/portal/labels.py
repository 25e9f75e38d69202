"""Translated words for the registry's vocabularies, as the pages show them.

The registry's enums carry English labels meant for the admin and the API; a reader of the
portal sees these, in their language. Connector standards keep their technical names (GB/T,
CCS2, Type 2 are what is printed on the car), with a translated word where one helps.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

COUNTRIES: dict[str, Promise] = {"KG": _("Kyrgyzstan"), "KZ": _("Kazakhstan")}

CONNECTORS: dict[str, str | Promise] = {
    "GBT_AC": "GB/T AC",
    "GBT_DC": "GB/T DC",
    "IEC_62196_T2": "Type 2",
    "IEC_62196_T2_COMBO": "CCS2",
    "IEC_62196_T1": "Type 1",
    "IEC_62196_T1_COMBO": "CCS1",
    "CHADEMO": "CHAdeMO",
    "CHAOJI": "ChaoJi",
    "DOMESTIC_F": _("Household socket (Schuko)"),
    "MCS": _("MCS (megawatt charging for trucks)"),
    "SAE_J3400": "SAE J3400 (NACS)",
}

CLASSES: dict[str, Promise] = {
    "AC": _("AC (slow)"),
    "DC": _("DC fast, under 150 kW"),
    "HPC": _("High power, 150 kW and more"),
}

# The one-word status of a location on the map (registry.selectors.live_status).
LIVE_STATUSES: dict[str, Promise] = {
    "AVAILABLE": _("Available"),
    "OCCUPIED": _("Occupied"),
    "OUT_OF_SERVICE": _("Out of service"),
    "PLANNED": _("Planned"),
    "UNKNOWN": _("Unknown"),
}

# The EVSE statuses each map status filter selects at the database, before the exact
# live-status match (see views.markers).
LIVE_STATUS_EVSE: dict[str, tuple[str, ...]] = {
    "AVAILABLE": ("AVAILABLE",),
    "OCCUPIED": ("CHARGING", "RESERVED", "BLOCKED"),
    "OUT_OF_SERVICE": ("OUTOFORDER", "INOPERATIVE"),
    "PLANNED": ("PLANNED",),
    "UNKNOWN": ("UNKNOWN",),
}

EVSE_STATUSES: dict[str, Promise] = {
    "AVAILABLE": _("Available"),
    "BLOCKED": _("Blocked"),
    "CHARGING": _("Charging"),
    "INOPERATIVE": _("Inoperative"),
    "OUTOFORDER": _("Out of order"),
    "PLANNED": _("Planned"),
    "REMOVED": _("Removed"),
    "RESERVED": _("Reserved"),
    "UNKNOWN": _("Unknown"),
}

POWER_TYPES: dict[str, Promise] = {
    "AC_1_PHASE": _("AC, single phase"),
    "AC_2_PHASE": _("AC, two phases"),
    "AC_2_PHASE_SPLIT": _("AC, two phases (split)"),
    "AC_3_PHASE": _("AC, three phases"),
    "DC": _("DC"),
}

FORMATS: dict[str, Promise] = {"SOCKET": _("socket"), "CABLE": _("cable")}

PARKING_TYPES: dict[str, Promise] = {
    "ALONG_MOTORWAY": _("Along a motorway"),
    "PARKING_GARAGE": _("Parking garage"),
    "PARKING_LOT": _("Parking lot"),
    "ON_DRIVEWAY": _("On a driveway"),
    "ON_STREET": _("On the street"),
    "UNDERGROUND_GARAGE": _("Underground garage"),
}

FACILITIES: dict[str, Promise] = {
    "HOTEL": _("Hotel"),
    "RESTAURANT": _("Restaurant"),
    "CAFE": _("Café"),
    "MALL": _("Shopping centre"),
    "SUPERMARKET": _("Supermarket"),
    "SPORT": _("Sports"),
    "RECREATION_AREA": _("Recreation area"),
    "NATURE": _("Nature"),
    "MUSEUM": _("Museum"),
    "BUS_STOP": _("Bus stop"),
    "TAXI_STAND": _("Taxi stand"),
    "TRAIN_STATION": _("Train station"),
    "AIRPORT": _("Airport"),
    "PARKING_LOT": _("Parking lot"),
    "FUEL_STATION": _("Fuel station"),
    "WIFI": _("Wi-Fi"),
}

WEEKDAYS: dict[int, Promise] = {
    1: _("Monday"),
    2: _("Tuesday"),
    3: _("Wednesday"),
    4: _("Thursday"),
    5: _("Friday"),
    6: _("Saturday"),
    7: _("Sunday"),
}


def label(table: dict[str, str | Promise] | dict[str, Promise], key: str | None) -> str:
    """The translated label for `key`, or the key itself when the table has none."""
    if key is None:
        return ""
    return str(table.get(key, key))
