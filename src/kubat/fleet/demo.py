"""Demo fleet, marked source=demo: Kyrgyzstan's and Kazakhstan's registered EVs.

Counts follow shared/facts.md: Kyrgyzstan about 5,000 EVs in 2022, then the duty-free quota
imports (10,000 a year 2023-2025, about 35,000 in all); Kazakhstan 7,680 registered EVs on
1 Dec 2023 and 12,587 on 1 Dec 2024 (Almaty 8,385 of them by 1 Apr 2025, so about two
thirds in Almaty). Full counts are generated (about 47,600 rows, a few seconds). The model mix,
regions and dates are assumptions for demonstration, not statistics.
"""

from __future__ import annotations

import datetime as dt
import random

from kubat.fleet import services
from kubat.fleet.enums import Origin, Source

# make, model, powertrain, WMI (positions 1-3 of the VIN), weight in the Kyrgyz mix, in the Kazakh
MODELS = [
    ("BYD", "Atto 3", "BEV", "LGX", 14, 10),
    ("BYD", "Han EV", "BEV", "LGX", 6, 5),
    ("BYD", "Seagull", "BEV", "LGX", 8, 6),
    ("Zeekr", "001", "BEV", "L6T", 8, 6),
    ("Changan", "Deepal SL03", "BEV", "LS5", 6, 4),
    ("NIO", "ES6", "BEV", "LJ1", 3, 4),
    ("NIO", "ES8", "BEV", "LJ1", 2, 2),
    ("JAC", "iEV7S", "BEV", "LJ1", 3, 8),
    ("JAC", "iEVS4", "BEV", "LJ1", 2, 6),
    ("Volkswagen", "ID.4", "BEV", "LSV", 12, 8),
    ("Tesla", "Model 3", "BEV", "LRW", 5, 8),
    ("Tesla", "Model Y", "BEV", "LRW", 6, 10),
    ("Hyundai", "Ioniq 5", "BEV", "KMH", 3, 8),
]
KG_REGIONS = [("Bishkek", 62), ("Chuy", 13), ("Osh", 10), ("Jalal-Abad", 5), ("Issyk-Kul", 5)]
KG_REGIONS += [("Naryn", 1), ("Talas", 2), ("Batken", 2)]
KZ_REGIONS = [("Almaty", 66), ("Astana", 18), ("Shymkent", 5), ("Karaganda", 3), ("Atyrau", 2)]
KZ_REGIONS += [("Aktobe", 2), ("Pavlodar", 2), ("Kostanay", 2)]
# (country, first day, last day, count, origin)
BATCHES = [
    ("KG", dt.date(2022, 1, 15), dt.date(2022, 12, 31), 5_000, Origin.QUOTA_IMPORT),
    ("KG", dt.date(2023, 1, 15), dt.date(2023, 12, 31), 10_000, Origin.QUOTA_IMPORT),
    ("KG", dt.date(2024, 1, 15), dt.date(2024, 12, 31), 10_000, Origin.QUOTA_IMPORT),
    ("KG", dt.date(2025, 1, 15), dt.date(2025, 10, 20), 10_000, Origin.QUOTA_IMPORT),
    ("KZ", dt.date(2021, 1, 10), dt.date(2021, 12, 31), 1_400, Origin.OTHER),
    ("KZ", dt.date(2022, 1, 10), dt.date(2022, 12, 31), 2_700, Origin.QUOTA_IMPORT),
    ("KZ", dt.date(2023, 1, 10), dt.date(2023, 11, 30), 3_580, Origin.QUOTA_IMPORT),
    ("KZ", dt.date(2023, 12, 1), dt.date(2024, 11, 30), 4_907, Origin.QUOTA_IMPORT),
]
_VDS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_YEAR_CODE = {2020: "L", 2021: "M", 2022: "N", 2023: "P", 2024: "R", 2025: "S", 2026: "T"}


def demo_vin(*, wmi: str, rng: random.Random, model_year: int, serial: int) -> str:
    """A syntactically valid, non-North-American VIN: WMI, 5 VDS, 1 free, year, plant, serial."""
    vds = "".join(rng.choice(_VDS) for _ in range(5))
    return f"{wmi}{vds}{rng.choice(_VDS)}{_YEAR_CODE[model_year]}{rng.choice('ABCDEF')}{serial:06d}"


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def load_demo(*, seed: int) -> dict[str, int]:
    rng = random.Random(seed * 7919 + 5)
    rows: list[dict[str, str]] = []
    serial = 100_000
    for country, first, last, count, origin in BATCHES:
        regions = KG_REGIONS if country == "KG" else KZ_REGIONS
        weights = [m[4] if country == "KG" else m[5] for m in MODELS]
        span = (last - first).days
        for _ in range(count):
            make, model, powertrain, wmi, _, _ = rng.choices(MODELS, weights=weights)[0]
            day = first + dt.timedelta(days=rng.randint(0, span))
            row_origin = origin
            # Kazakhstan's JAC partnership: some JACs of 2021-2022 are domestic (an assumption).
            if country == "KZ" and make == "JAC" and day.year <= 2022 and rng.random() < 0.6:
                row_origin = Origin.DOMESTIC
            serial += 1
            rows.append(
                {
                    "vin": demo_vin(
                        wmi=wmi, rng=rng, model_year=min(day.year, 2025), serial=serial
                    ),
                    "make": make,
                    "model": model,
                    "powertrain": powertrain,
                    "country": country,
                    "region": _pick(rng, regions),
                    "registered_on": day.isoformat(),
                    "origin": row_origin,
                }
            )
    report = services.import_registrations(rows=rows, source=Source.DEMO)
    if not report.ok:
        raise RuntimeError(f"demo fleet rejected: {report.rejected[:3]}")
    return {"registrations": report.created, "production_rows": _production(rows, rng)}


JAC_PARTNERSHIP = "JAC Motors partnership (Kazakhstan)"  # the maker of the published plan


def _production(rows: list[dict[str, str]], rng: random.Random) -> int:
    """Per model and year, what the demo's domestic Kazakh JACs imply was produced: the home
    market is the domestic registrations, the exports (Kyrgyzstan, Uzbekistan) are invented.
    The published plan (1,200 for 2021, 2,000 for 2022) stays on the maker-level row."""
    home: dict[tuple[str, int], int] = {}
    for row in rows:
        if row["origin"] == Origin.DOMESTIC:
            key = (row["model"], int(row["registered_on"][:4]))
            home[key] = home.get(key, 0) + 1
    for (model, year), units in sorted(home.items()):
        exports = {
            "KG": int(units * rng.uniform(0.08, 0.15)),
            "UZ": int(units * rng.uniform(0.02, 0.06)),
        }
        services.record_production(
            country_code="KZ",
            year=year,
            maker=JAC_PARTNERSHIP,
            model=model,
            planned_units=None,
            produced_units=units + sum(exports.values()),
            home_market_units=units,
            exports=exports,
            note="demo: home market from the demo registrations, exports invented",
            source=Source.DEMO,
        )
    return len(home)
