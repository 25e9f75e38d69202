"""Generated demo registry matching docs/facts.md; every object says source="demo".

Kyrgyzstan: 230 public locations, 60 of them in Bishkek, the rest in the other towns and along
the main corridors. Kazakhstan: 55 in Astana including the 25-point hub at the National
Automobile Pavilion, Almaty and the other regional centres, and the Almaty–Astana and
Bishkek–Almaty roads, with a truck stop near Balkhash. The pavilion hub and the truck stop are
OCPI 2.3.0 objects (help line, parking places, accepted service providers, MCS plugs on the
truck bays, a tariff stating that its price includes tax). Connector mix, an assumption
stated in the facts: DC connectors about 60 % GB/T, 35 % CCS2, 5 % CHAdeMO, one DC point in
ten dual-gun GB/T + CCS2; AC points about 50 % GB/T AC, 45 % Type 2, 5 % household sockets.
The same seed always gives the same dataset.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kubat.accounts.models import Organisation
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.protocols.ocpi.v2_2_1 import tariffs as ocpi_tariffs
from kubat.protocols.ocpi.v2_3_0 import locations as ocpi_230
from kubat.protocols.ocpi.v2_3_0 import tariffs as ocpi_tariffs_230
from kubat.registry import services, snapshots
from kubat.registry import tariffs as registry_tariffs
from kubat.registry.enums import Source
from kubat.registry.models import Location, Party

# name, lat, lon, region, number of locations
KG_TOWNS = [
    ("Bishkek", 42.8746, 74.5698, "Bishkek", 60),
    ("Osh", 40.5283, 72.7985, "Osh", 28),
    ("Jalal-Abad", 40.9333, 72.9815, "Jalal-Abad", 12),
    ("Karakol", 42.4907, 78.3936, "Issyk-Kul", 10),
    ("Tokmok", 42.8421, 75.3015, "Chuy", 8),
    ("Kara-Balta", 42.8146, 73.8481, "Chuy", 8),
    ("Balykchy", 42.4600, 76.1870, "Issyk-Kul", 6),
    ("Cholpon-Ata", 42.6490, 77.0820, "Issyk-Kul", 10),
    ("Naryn", 41.4287, 75.9911, "Naryn", 6),
    ("Talas", 42.5228, 72.2427, "Talas", 6),
    ("Batken", 40.0626, 70.8194, "Batken", 4),
    ("Uzgen", 40.7699, 73.3007, "Osh Region", 4),
    ("Kant", 42.8910, 74.8500, "Chuy", 6),
    ("Toktogul", 41.8725, 72.9400, "Jalal-Abad", 4),
]
KZ_TOWNS = [
    ("Astana", 51.1694, 71.4491, "Astana", 54),  # plus the pavilion hub: 55
    ("Almaty", 43.2389, 76.8897, "Almaty", 60),
    ("Shymkent", 42.3417, 69.5901, "Shymkent", 14),
    ("Karaganda", 49.8047, 73.1094, "Karaganda Region", 10),
    ("Aktobe", 50.2839, 57.1670, "Aktobe Region", 6),
    ("Taraz", 42.9000, 71.3667, "Zhambyl Region", 6),
    ("Pavlodar", 52.2873, 76.9674, "Pavlodar Region", 6),
    ("Oskemen", 49.9483, 82.6279, "East Kazakhstan Region", 5),
    ("Semey", 50.4111, 80.2275, "Abai Region", 4),
    ("Atyrau", 47.1164, 51.8833, "Atyrau Region", 5),
    ("Kostanay", 53.2198, 63.6354, "Kostanay Region", 4),
    ("Kyzylorda", 44.8528, 65.5092, "Kyzylorda Region", 3),
    ("Oral", 51.2333, 51.3667, "West Kazakhstan Region", 3),
    ("Petropavl", 54.8667, 69.1500, "North Kazakhstan Region", 3),
    ("Aktau", 43.6500, 51.1667, "Mangystau Region", 4),
    ("Turkistan", 43.2973, 68.2518, "Turkistan Region", 4),
    ("Kokshetau", 53.2833, 69.3833, "Akmola Region", 4),
    ("Taldykorgan", 45.0167, 78.3667, "Zhetisu Region", 3),
]
# Corridor waypoints (approximate); stations are spread along each leg and named after the
# nearest waypoint that is not a capital, so city=Bishkek counts only Bishkek's own stations.
KG_CORRIDORS: list[tuple[int, list[tuple[str, float, float, str]]]] = [
    (
        26,
        [  # Bishkek–Osh, about 675 km over Too-Ashuu and Ala-Bel
            ("Kara-Balta", 42.8146, 73.8481, "Chuy"),
            ("Too-Ashuu", 42.3350, 73.8000, "Chuy"),
            ("Suusamyr", 42.1900, 73.9000, "Chuy"),
            ("Ala-Bel", 41.9500, 73.3000, "Jalal-Abad"),
            ("Toktogul", 41.8725, 72.9400, "Jalal-Abad"),
            ("Tash-Kumyr", 41.3480, 72.2170, "Jalal-Abad"),
            ("Jalal-Abad", 40.9333, 72.9815, "Jalal-Abad"),
            ("Osh", 40.5283, 72.7985, "Osh"),
        ],
    ),
    (
        14,
        [  # Bishkek–Karakol along the north shore of Issyk-Kul
            ("Tokmok", 42.8421, 75.3015, "Chuy"),
            ("Balykchy", 42.4600, 76.1870, "Issyk-Kul"),
            ("Cholpon-Ata", 42.6490, 77.0820, "Issyk-Kul"),
            ("Tyup", 42.7270, 78.3640, "Issyk-Kul"),
            ("Karakol", 42.4907, 78.3936, "Issyk-Kul"),
        ],
    ),
    (
        10,
        [  # Balykchy–Naryn
            ("Balykchy", 42.4600, 76.1870, "Issyk-Kul"),
            ("Kochkor", 42.2150, 75.7560, "Naryn"),
            ("Naryn", 41.4287, 75.9911, "Naryn"),
        ],
    ),
    (
        8,
        [  # Kara-Balta–Talas
            ("Kara-Balta", 42.8146, 73.8481, "Chuy"),
            ("Otmok", 42.5000, 73.2000, "Talas"),
            ("Talas", 42.5228, 72.2427, "Talas"),
        ],
    ),
]
KZ_CORRIDORS: list[tuple[int, list[tuple[str, float, float, str]]]] = [
    (
        14,
        [  # Almaty–Astana via Konaev, Balkhash, Karaganda
            ("Konaev", 43.8670, 77.0670, "Almaty Region"),
            ("Balkhash", 46.8440, 74.9800, "Karaganda Region"),
            ("Karaganda", 49.8047, 73.1094, "Karaganda Region"),
            ("Temirtau", 50.0540, 72.9640, "Karaganda Region"),
        ],
    ),
    (
        5,
        [  # Almaty–Korday towards Bishkek
            ("Kaskelen", 43.2000, 76.6200, "Almaty Region"),
            ("Uzynagash", 43.2270, 76.3100, "Almaty Region"),
            ("Korday", 43.0400, 74.7100, "Zhambyl Region"),
        ],
    ),
    (
        6,
        [  # Almaty–Taraz–Shymkent
            ("Taraz", 42.9000, 71.3667, "Zhambyl Region"),
            ("Shu", 43.6000, 73.7600, "Zhambyl Region"),
            ("Shymkent", 42.3417, 69.5901, "Shymkent"),
        ],
    ),
]

# party key, name, website, e-mail, phone (missing contact on two, for the standards checks)
KG_OPERATORS = [
    (
        "KG*ECH",
        "E-Charge Bishkek",
        "https://echarge.example.kg",
        "info@echarge.example.kg",
        "+996 312 000 101",
    ),
    (
        "KG*ZRD",
        "Zaryad Network",
        "https://zaryad.example.kg",
        "hello@zaryad.example.kg",
        "+996 312 000 202",
    ),
    ("KG*ALT", "Ala-Too EV", "https://alatoo-ev.example.kg", "", ""),
    (
        "KG*TNG",
        "Tengri Power",
        "https://tengri.example.kg",
        "support@tengri.example.kg",
        "+996 312 000 404",
    ),
    ("KG*ISK", "Issyk-Kul Charge", "", "", "+996 3922 00 505"),
]
KZ_OPERATORS = [
    (
        "KZ*QZC",
        "Qazaq Charge",
        "https://qazaqcharge.example.kz",
        "info@qazaqcharge.example.kz",
        "+7 717 200 0101",
    ),
    (
        "KZ*AEV",
        "Astana EV Network",
        "https://astana-ev.example.kz",
        "desk@astana-ev.example.kz",
        "+7 717 200 0202",
    ),
    (
        "KZ*ALM",
        "Almaty Energy Charge",
        "https://alm-charge.example.kz",
        "info@alm-charge.example.kz",
        "+7 727 300 0303",
    ),
    ("KZ*STP", "Steppe Road Charging", "https://steppe.example.kz", "", ""),
    (
        "KZ*NAP",
        "National Automobile Pavilion",
        "https://pavilion.example.kz",
        "hub@pavilion.example.kz",
        "+7 717 200 0505",
    ),
]
STREETS = {
    "Bishkek": [
        "Chuy Ave",
        "Manas Ave",
        "Sovetskaya St",
        "Kievskaya St",
        "Jibek Jolu Ave",
        "Akhunbaev St",
        "Toktogul St",
        "Moskovskaya St",
        "Frunze St",
        "Isanov St",
    ],
    "Astana": [
        "Mangilik El Ave",
        "Kabanbay Batyr Ave",
        "Turan Ave",
        "Kunaev St",
        "Respublika Ave",
        "Syganak St",
        "Saryarka Ave",
    ],
    "Almaty": [
        "Abay Ave",
        "Dostyk Ave",
        "Al-Farabi Ave",
        "Tole Bi St",
        "Seifullin Ave",
        "Rozybakiev St",
        "Timiryazev St",
    ],
}
GENERIC_STREETS = [
    "Lenin St",
    "Manas St",
    "Toktogul St",
    "Abay St",
    "Central Sq",
    "Mira St",
    "Station Rd",
    "Bazaar St",
]
FACILITIES = [
    "MALL",
    "SUPERMARKET",
    "CAFE",
    "RESTAURANT",
    "HOTEL",
    "FUEL_STATION",
    "PARKING_LOT",
    "WIFI",
]
STATUSES = ["AVAILABLE"] * 13 + ["CHARGING"] * 4 + ["OUTOFORDER", "INOPERATIVE", "UNKNOWN"]
BASE_TIME = datetime(2026, 11, 1, tzinfo=UTC)
# Each EVSE's status was last reported just before the demo's day of status history begins
# (ocpi.demo: reports over the last 24 hours), so that its reliability figures, which count
# from an EVSE's first status, have data from the start and not months of silence.
STATUS_HISTORY = timedelta(hours=24)
TIME_ZONES = {"KG": "Asia/Bishkek", "KZ": "Asia/Almaty"}
ALPHA3 = {"KG": "KGZ", "KZ": "KAZ"}


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _coord(value: float) -> str:
    return f"{value:.6f}"


class _Builder:
    def __init__(self, rng: random.Random, *, status_since: datetime) -> None:
        self.rng = rng
        self.counters: dict[str, int] = {}
        self.status_since = status_since

    def _stamp(self) -> datetime:
        return BASE_TIME - timedelta(minutes=self.rng.randrange(0, 60 * 24 * 90))

    def _status_stamp(self) -> datetime:
        """Up to ten minutes before the status history begins (within every profile's
        freshness limit). One draw, as _stamp makes, so the rest of a seed's demo is unchanged."""
        minutes = self.rng.randrange(0, 60 * 24 * 90) % 10
        return self.status_since - timedelta(minutes=minutes)

    def _connector(self, cid: int, standard: str, kw: float) -> dict[str, Any]:
        dc = standard in {"GBT_DC", "IEC_62196_T2_COMBO", "CHADEMO"}
        if dc:
            voltage = 750 if kw < 150 else 920
            power_type, fmt = "DC", "CABLE"
        elif kw > 7.4:
            voltage, power_type = 230, "AC_3_PHASE"
            fmt = "SOCKET" if standard == "IEC_62196_T2" else "CABLE"
        else:
            voltage, power_type = 230, "AC_1_PHASE"
            fmt = "SOCKET" if standard in {"IEC_62196_T2", "DOMESTIC_F"} else "CABLE"
        phases = 3 if power_type == "AC_3_PHASE" else 1
        amperage = max(1, round(kw * 1000 / (voltage * phases)))
        return {
            "id": str(cid),
            "standard": standard,
            "format": fmt,
            "power_type": power_type,
            "max_voltage": voltage,
            "max_amperage": amperage,
            "max_electric_power": int(kw * 1000),
            "tariff_ids": [DEMO_TARIFF_DC if dc else DEMO_TARIFF_AC],
            "last_updated": self._stamp(),
        }

    def _evse(self, party_key: str, dc: bool, big_city: bool, with_id: bool) -> dict[str, Any]:
        rng = self.rng
        kw: float
        n = self.counters[party_key] = self.counters.get(party_key, 0) + 1
        if dc:
            kw = rng.choice([60, 80, 120, 160, 180] if big_city else [20, 30, 40, 60, 60, 80])
            # Per DC connector about 60 % GB/T, 35 % CCS2, 5 % CHAdeMO, with one DC point in
            # ten a dual-gun GB/T + CCS2.
            kind = _pick(rng, {"GBT_DC": 55, "DUAL": 10, "IEC_62196_T2_COMBO": 30, "CHADEMO": 5})
            standards = ["GBT_DC", "IEC_62196_T2_COMBO"] if kind == "DUAL" else [kind]
        else:
            kw = float(rng.choice([7, 7, 11, 22]))
            standards = [_pick(rng, {"GBT_AC": 50, "IEC_62196_T2": 45, "DOMESTIC_F": 5})]
            if standards[0] == "DOMESTIC_F":
                kw = 3.7
        country, party = party_key.split("*")
        return {
            "uid": f"{party}-{n:05d}",
            "evse_id": f"{country}*{party}*E{n:05d}" if with_id else None,
            "status": rng.choice(STATUSES),
            "capabilities": ["REMOTE_START_STOP_CAPABLE", "RFID_READER"],
            "connectors": [self._connector(i + 1, s, kw) for i, s in enumerate(standards)],
            "physical_reference": str(n % 100),
            "last_updated": self._status_stamp(),
        }

    def location(
        self,
        *,
        party_key: str,
        ocpi_id: str,
        name: str,
        address: str,
        city: str,
        lat: float,
        lon: float,
        evse_count: int,
        dc_share: float,
        big_city: bool,
        parking_type: str,
    ) -> ocpi.Location:
        rng = self.rng
        country, party = party_key.split("*")
        with_ids = rng.random() > 0.04
        evses = [
            self._evse(party_key, rng.random() < dc_share, big_city, with_ids)
            for _ in range(evse_count)
        ]
        hours: dict[str, Any] = {"twentyfourseven": True}
        if rng.random() < 0.3:
            hours = {
                "twentyfourseven": False,
                "regular_hours": [
                    {"weekday": d, "period_begin": "08:00", "period_end": "22:00"}
                    for d in range(1, 8)
                ],
            }
        data: dict[str, Any] = {
            "country_code": country,
            "party_id": party,
            "id": ocpi_id,
            "publish": True,
            "name": name,
            "address": address[:45],
            "city": city,
            "country": ALPHA3[country],
            "coordinates": {"latitude": _coord(lat), "longitude": _coord(lon)},
            "parking_type": parking_type,
            "evses": evses,
            "facilities": rng.sample(FACILITIES, k=rng.randint(0, 3)),
            "time_zone": TIME_ZONES[country],
            "opening_times": hours if rng.random() > 0.05 else None,
            "last_updated": max([self._stamp()] + [e["last_updated"] for e in evses]),
        }
        return ocpi.Location.model_validate(data)


def _jitter(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    """A point within about `km` of (lat, lon), denser near the centre."""
    r = km * math.sqrt(rng.random()) / 111.19
    angle = rng.random() * 2 * math.pi
    return lat + r * math.sin(angle), lon + r * math.cos(angle) / math.cos(math.radians(lat))


def _along(
    rng: random.Random, waypoints: list[tuple[str, float, float, str]]
) -> tuple[float, float, str, str]:
    """A point on a random leg of the polyline, with the nearest waypoint's name and region."""
    leg = rng.randrange(len(waypoints) - 1)
    a, b = waypoints[leg], waypoints[leg + 1]
    t = rng.random()
    lat, lon = a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t
    lat, lon = _jitter(rng, lat, lon, 1.5)
    near = a if t < 0.5 else b
    return lat, lon, near[0], near[3]


def _parties(country: str, operators: list[tuple[str, str, str, str, str]]) -> list[Party]:
    parties = []
    for key, name, website, email, phone in operators:
        organisation, _ = Organisation.objects.get_or_create(
            name=name, kind=Organisation.Kind.OPERATOR, country_code=country
        )
        party = services.get_or_create_party(
            country_code=key[:2], party_id=key[3:], name=name, source=Source.DEMO
        )
        party.website, party.contact_email, party.contact_phone = website, email, phone
        party.organisation = organisation
        party.save()
        parties.append(party)
    return parties


def _country(
    rng: random.Random,
    builder: _Builder,
    country: str,
    towns: list[tuple[str, float, float, str, int]],
    corridors: list[tuple[int, list[tuple[str, float, float, str]]]],
    parties: list[Party],
) -> list[tuple[Party, ocpi.Location, str]]:
    items: list[tuple[Party, ocpi.Location, str]] = []
    capitals = {"Bishkek", "Astana", "Almaty"}

    def add(city: str, lat: float, lon: float, region: str, motorway: bool) -> None:
        party = rng.choice(parties[:4] if country == "KZ" else parties)
        big = city in capitals
        streets = STREETS.get(city, GENERIC_STREETS)
        n = len(items) + 1
        loc = builder.location(
            party_key=party.key,
            ocpi_id=f"{country}-{n:04d}",
            name=f"{city} {'highway ' if motorway else ''}charging {n}",
            address=f"{rng.choice(streets)} {rng.randint(1, 250)}",
            city=city,
            lat=lat,
            lon=lon,
            evse_count=rng.choice([1, 2, 2, 3, 4]) if not motorway else rng.choice([1, 2]),
            dc_share=0.85 if motorway else (0.55 if big else 0.4),
            big_city=big,
            parking_type="ALONG_MOTORWAY"
            if motorway
            else rng.choice(["PARKING_LOT", "ON_STREET", "PARKING_GARAGE"]),
        )
        items.append((party, loc, region))

    for city, lat, lon, region, count in towns:
        radius = 9.0 if city in capitals else 3.0
        for _ in range(count):
            add(city, *_jitter(rng, lat, lon, radius), region, motorway=False)
    for count, waypoints in corridors:
        for _ in range(count):
            lat, lon, city, region = _along(rng, waypoints)
            add(city, lat, lon, region, motorway=True)
    return items


def _car_park(pid: str, reference: str, *, accessible: bool) -> dict[str, Any]:
    """A bay row of a car park as an OCPI 2.3.0 Parking (sizes in centimetres)."""
    kinds = ["PERSONAL_VEHICLE", "DISABLED"] if accessible else ["PERSONAL_VEHICLE", "VAN"]
    return {
        "id": pid,
        "physical_reference": reference,
        "vehicle_types": kinds,
        "restricted_to_type": accessible,
        "reservation_required": False,
        "direction": "PERPENDICULAR",
        "parking_space_length": 500 if accessible else 480,
        "parking_space_width": 360 if accessible else 250,
        "roofed": accessible,
        "lighting": True,
    }


def _pavilion_hub(builder: _Builder, party: Party) -> tuple[Party, ocpi.Location, str]:
    """The National Automobile Pavilion in Astana: one hub charging 25 cars at once, described
    in OCPI 2.3.0 (a help line, its bays as parking places, the cards it accepts)."""
    rng = builder.rng
    evses = [builder._evse(party.key, dc=i < 10, big_city=True, with_id=True) for i in range(25)]
    for i, evse in enumerate(evses):
        evse["status"] = rng.choice(["AVAILABLE", "CHARGING"])
        # The first two DC points face the bays kept for drivers with disabilities.
        bay = "P-ACCESS" if i < 2 else "P-MAIN"
        evse["parking"] = [{"parking_id": bay, "evse_position": "LEFT" if i % 2 else "RIGHT"}]
        evse["accepted_service_providers"] = ["Kubat Pay (demo)", "QazCharge card (demo)"]
    data = {
        "country_code": "KZ",
        "party_id": party.party_id,
        "id": "KZ-NAP-HUB",
        "publish": True,
        "name": "National Automobile Pavilion charging hub",
        "address": "Kabanbay Batyr Ave 62",
        "city": "Astana",
        "country": "KAZ",
        "coordinates": {"latitude": "51.128950", "longitude": "71.430450"},
        "parking_type": "PARKING_LOT",
        "evses": evses,
        "facilities": ["MUSEUM", "CAFE", "PARKING_LOT"],
        "time_zone": "Asia/Almaty",
        "opening_times": {"twentyfourseven": True},
        "parking_places": [
            _car_park("P-ACCESS", "A1-A2", accessible=True),
            _car_park("P-MAIN", "B1-B23", accessible=False),
        ],
        "help_phone": "+77172000000",
        "last_updated": BASE_TIME,
    }
    return party, ocpi_230.Location.model_validate(data), "Astana"


DEMO_TARIFF_TRUCK = "MCS-ADHOC"


def _truck_evse(party: Party, n: int, *, mcs: bool) -> dict[str, Any]:
    """A truck bay's EVSE: an MCS plug (1,250 V × 800 A, capped at 1 MW) or a 400 kW CCS2."""
    connector = {
        "id": "1",
        "standard": "MCS" if mcs else "IEC_62196_T2_COMBO",
        "format": "CABLE",
        "power_type": "DC",
        "max_voltage": 1250 if mcs else 920,
        "max_amperage": 800 if mcs else 500,
        "max_electric_power": 1_000_000 if mcs else 400_000,
        "tariff_ids": [DEMO_TARIFF_TRUCK],
        "last_updated": BASE_TIME,
    }
    if mcs:
        connector["capabilities"] = ["ISO_15118_20_PLUG_AND_CHARGE"]
    return {
        "uid": f"{party.party_id}-TRUCK-{n}",
        "evse_id": f"KZ*{party.party_id}*ETRUCK{n}",
        "status": "AVAILABLE",
        "capabilities": ["REMOTE_START_STOP_CAPABLE", "RFID_READER", "CREDIT_CARD_PAYABLE"],
        "connectors": [connector],
        "physical_reference": f"T{n}",
        "parking": [{"parking_id": "T-BAYS", "evse_position": "LEFT"}],
        "accepted_service_providers": ["Kubat Pay (demo)", "Freight fleet card (demo)"],
        "last_updated": BASE_TIME,
    }


def _truck_hub(party: Party) -> tuple[Party, ocpi.Location, str]:
    """A truck stop on the Almaty–Astana road near Balkhash: two MCS bays and two CCS2 ones
    for heavy trucks, drive-through, in OCPI 2.3.0 (MCS is not a 2.2.1 connector type)."""
    bays = {
        "id": "T-BAYS",
        "physical_reference": "T1-T4",
        "vehicle_types": ["SEMI_TRACTOR", "TRUCK_WITH_TRAILER", "RIGID", "BUS"],
        "max_vehicle_weight": 44000,
        "max_vehicle_height": 400,
        "max_vehicle_length": 2500,
        "parking_space_length": 2800,
        "parking_space_width": 450,
        "dangerous_goods_allowed": False,
        "direction": "PARALLEL",
        "drive_through": True,
        "restricted_to_type": True,
        "reservation_required": False,
        "time_limit": 2,
        "roofed": False,
        "lighting": True,
    }
    data = {
        "country_code": "KZ",
        "party_id": party.party_id,
        "id": "KZ-TRUCK-BALKHASH",
        "publish": True,
        "name": "Balkhash truck charging stop (M36)",
        "address": "M36 highway, km 612",
        "city": "Balkhash",
        "country": "KAZ",
        "coordinates": {"latitude": "46.861200", "longitude": "74.962300"},
        "parking_type": "ALONG_MOTORWAY",
        "evses": [_truck_evse(party, n, mcs=n <= 2) for n in range(1, 5)],
        "facilities": ["RESTAURANT", "WIFI"],
        "time_zone": "Asia/Almaty",
        "opening_times": {"twentyfourseven": True},
        "parking_places": [bays],
        "help_phone": "+77103600000",
        "last_updated": BASE_TIME,
    }
    return party, ocpi_230.Location.model_validate(data), "Karaganda Region"


DEMO_TARIFF_DC, DEMO_TARIFF_AC = "DC-ADHOC", "AC-ADHOC"
# Ad-hoc prices per kWh, an assumption for the demo (docs/facts.md has no tariff survey):
# currency, DC, AC, VAT % (Kyrgyzstan 12 %; Kazakhstan 16 % from 2026).
DEMO_PRICES = {"KG": ("KGS", 16.0, 10.0, 12.0), "KZ": ("KZT", 120.0, 70.0, 16.0)}


def _demo_tariffs(rng: random.Random, parties: list[Party]) -> int:
    """An AC and a DC ad-hoc tariff for every demo operator, each within 20 % of the base."""
    count = 0
    for party in parties:
        currency, dc, ac, vat = DEMO_PRICES[party.country_code]
        for tariff_id, per_kwh in ((DEMO_TARIFF_DC, dc), (DEMO_TARIFF_AC, ac)):
            price = round(per_kwh * rng.uniform(0.8, 1.2), 1)
            data = ocpi_tariffs.Tariff.model_validate(
                {
                    "country_code": party.country_code,
                    "party_id": party.party_id,
                    "id": tariff_id,
                    "currency": currency,
                    "type": "AD_HOC_PAYMENT",
                    "tariff_alt_text": [
                        {"language": "en", "text": f"{price} {currency} per kWh (demo data)"}
                    ],
                    "elements": [
                        {
                            "price_components": [
                                {"type": "ENERGY", "price": price, "vat": vat, "step_size": 1}
                            ]
                        }
                    ],
                    "last_updated": BASE_TIME,
                }
            )
            registry_tariffs.put_tariff(party=party, data=data, source=Source.DEMO)
            count += 1
    return count


def _truck_tariff(party: Party) -> None:
    """The truck stop's ad-hoc tariff, in OCPI 2.3.0: its price includes VAT (tax_included)."""
    data = ocpi_tariffs_230.Tariff.model_validate(
        {
            "country_code": party.country_code,
            "party_id": party.party_id,
            "id": DEMO_TARIFF_TRUCK,
            "currency": "KZT",
            "type": "AD_HOC_PAYMENT",
            "tariff_alt_text": [
                {"language": "en", "text": "145 KZT per kWh, VAT included (demo data)"}
            ],
            "elements": [
                {"price_components": [{"type": "ENERGY", "price": 145, "vat": 16, "step_size": 1}]}
            ],
            "tax_included": "YES",
            "last_updated": BASE_TIME,
        }
    )
    registry_tariffs.put_tariff(party=party, data=data, source=Source.DEMO)


def has_data() -> bool:
    """Whether the registry already holds locations (`kubat demo --if-empty` then does nothing)."""
    return Location.objects.exists()


def load_demo(*, seed: int) -> dict[str, int]:
    """Create the demo registry; the caller holds the transaction."""
    rng = random.Random(seed)
    status_since = timezone.now().replace(second=0, microsecond=0) - STATUS_HISTORY
    builder = _Builder(rng, status_since=status_since)
    kg_parties = _parties("KG", KG_OPERATORS)
    kz_parties = _parties("KZ", KZ_OPERATORS)
    items = _country(rng, builder, "KG", KG_TOWNS, KG_CORRIDORS, kg_parties)
    items += _country(rng, builder, "KZ", KZ_TOWNS, KZ_CORRIDORS, kz_parties)
    items.append(_pavilion_hub(builder, kz_parties[-1]))
    items.append(_truck_hub(kz_parties[-1]))
    created = services.bulk_create_locations(items=items, source=Source.DEMO)
    tariffs = _demo_tariffs(random.Random(seed + 1), kg_parties + kz_parties)
    _truck_tariff(kz_parties[-1])
    tariffs += 1
    # The open-data page lists dated snapshots: write today's once the demo is committed.
    transaction.on_commit(snapshots.write)
    return {
        "parties": len(kg_parties) + len(kz_parties),
        "tariffs": tariffs,
        "locations": len(created),
        "evses": sum(len(loc.evses or []) for _, loc, _ in items),
    }
