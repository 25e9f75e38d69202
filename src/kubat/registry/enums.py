"""OCPI 2.2.1 vocabularies used by the registry; each value is the wire string.

The registry is modelled on OCPI Locations, so these enums are the registry's own vocabulary
and the OCPI module reuses them. `ChargingClass` is Kubat's: AC, DC (below 150 kW) and HPC.
"""

from __future__ import annotations

from django.db import models


class ConnectorType(models.TextChoices):
    CHADEMO = "CHADEMO", "CHAdeMO"
    CHAOJI = "CHAOJI", "ChaoJi"
    DOMESTIC_A = "DOMESTIC_A", "Domestic A (NEMA 1-15)"
    DOMESTIC_B = "DOMESTIC_B", "Domestic B (NEMA 5-15)"
    DOMESTIC_C = "DOMESTIC_C", "Domestic C (CEE 7/17 Europlug)"
    DOMESTIC_D = "DOMESTIC_D", "Domestic D (BS 546)"
    DOMESTIC_E = "DOMESTIC_E", "Domestic E (CEE 7/5)"
    DOMESTIC_F = "DOMESTIC_F", "Domestic F (CEE 7/4 Schuko)"
    DOMESTIC_G = "DOMESTIC_G", "Domestic G (BS 1363)"
    DOMESTIC_H = "DOMESTIC_H", "Domestic H (SI-32)"
    DOMESTIC_I = "DOMESTIC_I", "Domestic I (AS 3112)"
    DOMESTIC_J = "DOMESTIC_J", "Domestic J (SEV 1011)"
    DOMESTIC_K = "DOMESTIC_K", "Domestic K (DS 60884-2-D1)"
    DOMESTIC_L = "DOMESTIC_L", "Domestic L (CEI 23-16-VII)"
    DOMESTIC_M = "DOMESTIC_M", "Domestic M (BS 546 15 A)"
    DOMESTIC_N = "DOMESTIC_N", "Domestic N (NBR 14136)"
    DOMESTIC_O = "DOMESTIC_O", "Domestic O (TIS 166-2549)"
    GBT_AC = "GBT_AC", "GB/T AC (GB/T 20234.2)"
    GBT_DC = "GBT_DC", "GB/T DC (GB/T 20234.3)"
    IEC_60309_2_SINGLE_16 = "IEC_60309_2_single_16", "IEC 60309-2 single phase 16 A"
    IEC_60309_2_THREE_16 = "IEC_60309_2_three_16", "IEC 60309-2 three phase 16 A"
    IEC_60309_2_THREE_32 = "IEC_60309_2_three_32", "IEC 60309-2 three phase 32 A"
    IEC_60309_2_THREE_64 = "IEC_60309_2_three_64", "IEC 60309-2 three phase 64 A"
    IEC_62196_T1 = "IEC_62196_T1", "Type 1 (SAE J1772)"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO", "CCS1 (Combo 1)"
    IEC_62196_T2 = "IEC_62196_T2", "Type 2 (IEC 62196-2)"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO", "CCS2 (Combo 2)"
    IEC_62196_T3A = "IEC_62196_T3A", "Type 3A"
    IEC_62196_T3C = "IEC_62196_T3C", "Type 3C"
    NEMA_5_20 = "NEMA_5_20", "NEMA 5-20"
    NEMA_6_30 = "NEMA_6_30", "NEMA 6-30"
    NEMA_6_50 = "NEMA_6_50", "NEMA 6-50"
    NEMA_10_30 = "NEMA_10_30", "NEMA 10-30"
    NEMA_10_50 = "NEMA_10_50", "NEMA 10-50"
    NEMA_14_30 = "NEMA_14_30", "NEMA 14-30"
    NEMA_14_50 = "NEMA_14_50", "NEMA 14-50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP", "Pantograph (bottom up)"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN", "Pantograph (top down)"
    TESLA_R = "TESLA_R", "Tesla Roadster"
    TESLA_S = "TESLA_S", "Tesla Model S"


# Small integer per standard for the spatial index; 0 stands for "any standard".
# Append only: the numbers are stored in registry_searchpoint.
STANDARD_CODES: dict[str, int] = {value: i + 1 for i, value in enumerate(ConnectorType.values)}
ANY_STANDARD = 0


class ConnectorFormat(models.TextChoices):
    SOCKET = "SOCKET", "Socket"
    CABLE = "CABLE", "Cable"


class PowerType(models.TextChoices):
    AC_1_PHASE = "AC_1_PHASE", "AC single phase"
    AC_2_PHASE = "AC_2_PHASE", "AC two phases"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT", "AC two phases, split"
    AC_3_PHASE = "AC_3_PHASE", "AC three phases"
    DC = "DC", "DC"


class Status(models.TextChoices):
    AVAILABLE = "AVAILABLE", "Available"
    BLOCKED = "BLOCKED", "Blocked"
    CHARGING = "CHARGING", "Charging"
    INOPERATIVE = "INOPERATIVE", "Inoperative"
    OUTOFORDER = "OUTOFORDER", "Out of order"
    PLANNED = "PLANNED", "Planned"
    REMOVED = "REMOVED", "Removed"
    RESERVED = "RESERVED", "Reserved"
    UNKNOWN = "UNKNOWN", "Unknown"


class Capability(models.TextChoices):
    CHARGING_PROFILE_CAPABLE = "CHARGING_PROFILE_CAPABLE"
    CHARGING_PREFERENCES_CAPABLE = "CHARGING_PREFERENCES_CAPABLE"
    CHIP_CARD_SUPPORT = "CHIP_CARD_SUPPORT"
    CONTACTLESS_CARD_SUPPORT = "CONTACTLESS_CARD_SUPPORT"
    CREDIT_CARD_PAYABLE = "CREDIT_CARD_PAYABLE"
    DEBIT_CARD_PAYABLE = "DEBIT_CARD_PAYABLE"
    PED_TERMINAL = "PED_TERMINAL"
    REMOTE_START_STOP_CAPABLE = "REMOTE_START_STOP_CAPABLE"
    RESERVABLE = "RESERVABLE"
    RFID_READER = "RFID_READER"
    START_SESSION_CONNECTOR_REQUIRED = "START_SESSION_CONNECTOR_REQUIRED"
    TOKEN_GROUP_CAPABLE = "TOKEN_GROUP_CAPABLE"
    UNLOCK_CAPABLE = "UNLOCK_CAPABLE"


class ParkingType(models.TextChoices):
    ALONG_MOTORWAY = "ALONG_MOTORWAY", "Along a motorway"
    PARKING_GARAGE = "PARKING_GARAGE", "Parking garage"
    PARKING_LOT = "PARKING_LOT", "Parking lot"
    ON_DRIVEWAY = "ON_DRIVEWAY", "On a driveway"
    ON_STREET = "ON_STREET", "On street"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE", "Underground garage"


class Facility(models.TextChoices):
    HOTEL = "HOTEL"
    RESTAURANT = "RESTAURANT"
    CAFE = "CAFE"
    MALL = "MALL"
    SUPERMARKET = "SUPERMARKET"
    SPORT = "SPORT"
    RECREATION_AREA = "RECREATION_AREA"
    NATURE = "NATURE"
    MUSEUM = "MUSEUM"
    BIKE_SHARING = "BIKE_SHARING"
    BUS_STOP = "BUS_STOP"
    TAXI_STAND = "TAXI_STAND"
    TRAM_STOP = "TRAM_STOP"
    METRO_STATION = "METRO_STATION"
    TRAIN_STATION = "TRAIN_STATION"
    AIRPORT = "AIRPORT"
    PARKING_LOT = "PARKING_LOT"
    CARPOOL_PARKING = "CARPOOL_PARKING"
    FUEL_STATION = "FUEL_STATION"
    WIFI = "WIFI"


class ParkingRestriction(models.TextChoices):
    EV_ONLY = "EV_ONLY"
    PLUGGED = "PLUGGED"
    DISABLED = "DISABLED"
    CUSTOMERS = "CUSTOMERS"
    MOTORCYCLES = "MOTORCYCLES"


class Source(models.TextChoices):
    DEMO = "demo", "Generated demo data"
    MANUAL = "manual", "Entered by hand"
    IMPORT = "import", "Imported from a file"
    OCPI = "ocpi", "Pushed or pulled over OCPI"
    PERMIT = "permit", "Created by a commissioned permit"


class ChargingClass(models.TextChoices):
    AC = "AC", "AC"
    DC = "DC", "DC below 150 kW"
    HPC = "HPC", "High power ≥ 150 kW"
