"""Demo insights, generated and marked source="demo": enough for every figure to show something.

Runs after the registry, fleet and permit demos (`kubat demo`), and builds on them:
- the shipped corridors (approximate main roads; source "shipped", they are not invented);
- plug-in hybrids and series hybrids, which the fleet demo (pure BEVs, the quota imports)
  lacks: about 1,200 in Kyrgyzstan and 900 in Kazakhstan, origin "other import", catalogue
  models BYD Song Plus DM-i (PHEV) and Li Auto L7 (EREV); an assumption, not a statistic;
- year-end supply snapshots for the years before this one, growing towards today's registry
  (a generated curve: 35 %, 55 %, 75 % and 90 % of today's kW from four years back), so the
  adequacy trend has a past;
- an investor's uploaded candidate sites per country (batch "demo-investor");
- one maximal-covering and one p-median run per country, solved by HiGHS.
"""

from __future__ import annotations

import datetime as dt
import random

from kubat.fleet import services as fleet_services
from kubat.fleet.demo import demo_vin
from kubat.insights import services, sources
from kubat.insights.models import CandidateSite, SitingRun, Source, SupplySnapshot

HYBRIDS = {
    "KG": (
        1_200,
        [("BYD", "Song Plus DM-i", "PHEV", "LGX", 3), ("Li Auto", "L7", "EREV", "LW4", 1)],
    ),
    "KZ": (900, [("BYD", "Song Plus DM-i", "PHEV", "LGX", 2), ("Li Auto", "L7", "EREV", "LW4", 1)]),
}
HYBRID_REGIONS = {
    "KG": [("Bishkek", 60), ("Chuy", 15), ("Osh", 12), ("Issyk-Kul", 6), ("Jalal-Abad", 7)],
    "KZ": [("Almaty", 60), ("Astana", 25), ("Shymkent", 8), ("Karaganda", 7)],
}
GROWTH = {4: 0.35, 3: 0.55, 2: 0.75, 1: 0.90}  # share of today's supply, years back
CANDIDATES = {
    "KG": [
        ("Kara-Balta bypass", 42.82, 73.90),
        ("Suusamyr junction", 42.19, 73.90),
        ("Toktogul reservoir rest stop", 41.80, 72.85),
        ("Kara-Kul town", 41.63, 72.68),
        ("Tash-Kumyr bridge", 41.35, 72.23),
        ("Kochkor crossroads", 42.21, 75.76),
        ("Kemin junction", 42.78, 75.69),
        ("Cholpon-Ata resort", 42.65, 77.08),
        ("Tamga village", 42.15, 77.55),
        ("Kazarman", 41.40, 74.04),
        ("Aral (Jumgal)", 41.83, 74.33),
        ("Talas market", 42.52, 72.24),
        ("Batken bus station", 40.06, 70.82),
        ("Uzgen market", 40.77, 73.30),
    ],
    "KZ": [
        ("Kaskelen exit", 43.20, 76.62),
        ("Konaev lake road", 43.87, 77.07),
        ("Balkhash north", 46.85, 74.98),
        ("Saryshagan", 46.12, 73.62),
        ("Karaganda ring road", 49.80, 73.11),
        ("Temirtau", 50.06, 72.96),
        ("Korday border", 43.04, 74.71),
        ("Merke", 42.87, 73.18),
        ("Taraz west", 42.90, 71.30),
        ("Akkol", 51.99, 70.94),
        ("Shchuchinsk resort", 52.93, 70.20),
        ("Kokshetau", 53.28, 69.38),
    ],
}


def _hybrids(rng: random.Random) -> int:
    rows = []
    serial = 900_000
    for country, (count, models) in HYBRIDS.items():
        regions = HYBRID_REGIONS[country]
        for _ in range(count):
            make, model, powertrain, wmi, _ = rng.choices(models, weights=[m[4] for m in models])[0]
            year = rng.choice((2023, 2024, 2025))
            day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 360))
            serial += 1
            rows.append(
                {
                    "vin": demo_vin(wmi=wmi, rng=rng, model_year=year, serial=serial),
                    "make": make,
                    "model": model,
                    "powertrain": powertrain,
                    "country": country,
                    "region": rng.choices([r for r, _ in regions], weights=[w for _, w in regions])[
                        0
                    ],
                    "registered_on": day.isoformat(),
                    "origin": "other",
                }
            )
    report = fleet_services.import_registrations(rows=rows, source="demo")
    if not report.ok:
        raise RuntimeError(f"demo hybrids rejected: {report.rejected[:3]}")
    return report.created


def _snapshots(year: int) -> int:
    made = 0
    taken = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    for country in ("KG", "KZ"):
        SupplySnapshot.objects.filter(country_code=country, source=Source.DEMO).delete()
        cells: dict[str, dict[str, float]] = {}
        for row in sources.supply_by_region(country_code=country):
            cell = cells.setdefault(row["region"], {"kw": 0.0, "dc_kw": 0.0, "points": 0, "dc": 0})
            cell["kw"] += row["kw"]
            cell["points"] += row["points"]
            if row["dc"]:
                cell["dc_kw"] += row["kw"]
                cell["dc"] += row["points"]
        for back, share in GROWTH.items():
            for region, cell in cells.items():
                SupplySnapshot.objects.create(
                    country_code=country,
                    region=region,
                    year=year - back,
                    installed_kw=round(cell["kw"] * share, 1),
                    dc_kw=round(cell["dc_kw"] * share, 1),
                    points=round(cell["points"] * share),
                    dc_points=round(cell["dc"] * share),
                    source=Source.DEMO,
                    taken_at=taken.replace(year=year - back + 1),
                )
                made += 1
    return made


def load_demo(*, seed: int) -> dict[str, int]:
    rng = random.Random(seed * 31 + 12)
    corridors = services.load_shipped_corridors()
    hybrids = _hybrids(rng)
    snapshots = _snapshots(sources.today().year)
    sites = 0
    for country, rows in CANDIDATES.items():
        CandidateSite.objects.filter(country_code=country, batch="demo-investor").delete()
        text = "name,lat,lon\n" + "".join(f"{n},{lat},{lon}\n" for n, lat, lon in rows)
        sites += services.import_candidates(
            text=text, country=country, batch="demo-investor", source=Source.DEMO
        )["created"]
    runs = 0
    SitingRun.objects.filter(source=Source.DEMO).delete()
    for country in ("KG", "KZ"):
        for model, stations in (("covering", 8), ("p_median", 6)):
            services.run_siting(
                country=country,
                model=model,
                stations=stations,
                radius_km=30.0,
                time_limit_s=20.0,
                source=Source.DEMO,
            )
            runs += 1
    return {
        "corridors": len(corridors["created"]) + len(corridors["updated"]),
        "hybrid_registrations": hybrids,
        "supply_snapshots": snapshots,
        "candidate_sites": sites,
        "siting_runs": runs,
    }
