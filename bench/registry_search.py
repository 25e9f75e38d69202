"""Registry search at national scale: load N EVSEs, then time the service-layer reads.

    python bench/registry_search.py --engine sqlite [--evses 1000000]
    python bench/registry_search.py --engine postgres --database-url postgresql://postgres@127.0.0.1:5432/kubat

Generates N EVSEs (about 3 per location, 1-2 connectors each) in clusters around the cities of
Central Asia with a thin spread over the steppe, loads them through the registry's own bulk
service into a fresh database, then measures, in the service layer (what the API calls):
nearest-10 with a connector filter, a city-sized bbox search (first page of 100 plus the total)
and the national stats call. As a baseline for the index choice it also times the same nearest
query answered from a plain B-tree on (code, lat) instead of the spatial index. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITIES = [  # name, lat, lon, weight
    ("Bishkek", 42.8746, 74.5698, 10),
    ("Osh", 40.5283, 72.7985, 4),
    ("Almaty", 43.2389, 76.8897, 12),
    ("Astana", 51.1694, 71.4491, 10),
    ("Shymkent", 42.3417, 69.5901, 5),
    ("Karaganda", 49.8047, 73.1094, 3),
    ("Tashkent", 41.2995, 69.2401, 12),
    ("Samarkand", 39.6542, 66.9597, 3),
    ("Dushanbe", 38.5598, 68.7870, 4),
    ("Aktobe", 50.2839, 57.1670, 2),
    ("Pavlodar", 52.2873, 76.9674, 2),
    ("Taraz", 42.9000, 71.3667, 2),
    ("Karakol", 42.4907, 78.3936, 1),
    ("Atyrau", 47.1164, 51.8833, 2),
    ("Kostanay", 53.2198, 63.6354, 1),
]
STANDARDS = {
    "GBT_DC": 40,
    "IEC_62196_T2_COMBO": 22,
    "CHADEMO": 3,
    "GBT_AC": 18,
    "IEC_62196_T2": 15,
    "DOMESTIC_F": 2,
}
DC = {"GBT_DC", "IEC_62196_T2_COMBO", "CHADEMO"}


def _setup(engine: str, url: str | None, fresh: bool) -> str:
    if engine == "sqlite":
        path = ROOT / "var" / "bench-registry.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            if fresh:
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        assert url, "--database-url is required for postgres"
        base, _, name = url.rpartition("/")
        name = f"{name}_bench"
        if fresh:
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{base}/{name}"
    os.environ["KUBAT_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubat.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return url


def _point(rng: random.Random) -> tuple[float, float]:
    if rng.random() < 0.08:  # roadside and small towns across the region
        return rng.uniform(38.5, 54.5), rng.uniform(51.0, 83.0)
    _, lat, lon, weight = rng.choices(CITIES, weights=[c[3] for c in CITIES])[0]
    spread_km = 3.0 * math.sqrt(weight)  # bigger cities sprawl further: 3 to 10 km
    dy, dx = rng.gauss(0, spread_km) / 111.19, rng.gauss(0, spread_km) / 111.19
    return lat + dy, lon + dx / math.cos(math.radians(lat))


def _location(rng: random.Random, n: int, evses: int) -> dict[str, object]:
    lat, lon = _point(rng)
    stamp = "2026-11-01T00:00:00Z"
    evse_list = []
    for e in range(evses):
        standard = rng.choices(list(STANDARDS), weights=list(STANDARDS.values()))[0]
        plugs = [standard] + (
            ["IEC_62196_T2_COMBO"] if standard == "GBT_DC" and rng.random() < 0.4 else []
        )
        kw = rng.choice([60, 90, 120, 180]) if standard in DC else rng.choice([7, 11, 22])
        evse_list.append(
            {
                "uid": f"{n}-{e}",
                "evse_id": f"KZ*BEN*E{n}{e}",
                "status": "AVAILABLE",
                "connectors": [
                    {
                        "id": str(i + 1),
                        "standard": s,
                        "format": "CABLE",
                        "power_type": "DC" if s in DC else "AC_3_PHASE",
                        "max_voltage": 750 if s in DC else 230,
                        "max_amperage": 200 if s in DC else 32,
                        "max_electric_power": kw * 1000,
                        "last_updated": stamp,
                    }
                    for i, s in enumerate(plugs)
                ],
                "last_updated": stamp,
            }
        )
    return {
        "country_code": "KZ",
        "party_id": "BEN",
        "id": f"B{n}",
        "publish": True,
        "name": f"Bench {n}",
        "address": "Bench St 1",
        "city": "Bench",
        "country": "KAZ" if n % 2 else "KGZ",
        "coordinates": {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"},
        "evses": evse_list,
        "time_zone": "Asia/Almaty",
        "last_updated": stamp,
    }


def load(total_evses: int, seed: int) -> dict[str, float]:
    from django.db import connection, transaction

    from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
    from kubat.registry import services
    from kubat.registry.enums import Source

    rng = random.Random(seed)
    party = services.get_or_create_party(country_code="KZ", party_id="BEN", name="Bench")
    started = time.perf_counter()
    made = n = locations = 0
    while made < total_evses:
        batch = []
        for _ in range(5000):
            if made >= total_evses:
                break
            count = min(rng.choice([1, 2, 3, 4, 5]), total_evses - made)
            batch.append((party, ocpi.Location.model_validate(_location(rng, n, count)), ""))
            made += count
            n += 1
        with transaction.atomic():
            services.bulk_create_locations(items=batch, source=Source.DEMO)
        locations += len(batch)
        print(f"loaded {made} EVSEs", file=sys.stderr, end="\r")
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "evses": made,
        "locations": locations,
        "seconds": round(elapsed, 1),
        "evses_per_s": round(made / elapsed),
    }


def _timed(fn, queries, warmup: int = 30) -> dict[str, float]:
    for q in queries[:warmup]:
        fn(q)
    samples = []
    for q in queries:
        t = time.perf_counter_ns()
        fn(q)
        samples.append((time.perf_counter_ns() - t) / 1e6)
    samples.sort()
    pick = lambda p: round(samples[min(len(samples) - 1, int(p * len(samples)))], 3)  # noqa: E731
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
    }


def _baseline_nearest(lat: float, lon: float, code: int, k: int = 10) -> list[int]:
    """The same expanding search over a plain B-tree on (code, lat): no spatial index."""
    from django.db import connection

    from kubat.core.geo import box_around, lon_scale

    r = 2.0
    while True:
        b = box_around(lat, lon, r)
        c2 = lon_scale(lat) ** 2
        with connection.cursor() as cursor:
            d2 = "((lat-%s)*(lat-%s) + (lon-%s)*(lon-%s)*%s)"
            cursor.execute(
                "SELECT location_id FROM registry_searchpoint WHERE code = %s"
                " AND lat BETWEEN %s AND %s AND lon BETWEEN %s AND %s"
                f" AND {d2} <= %s ORDER BY {d2} LIMIT %s",
                [
                    code,
                    b.min_lat,
                    b.max_lat,
                    b.min_lon,
                    b.max_lon,
                    lat,
                    lat,
                    lon,
                    lon,
                    c2,
                    (r / 111.19) ** 2,
                    lat,
                    lat,
                    lon,
                    lon,
                    c2,
                    k,
                ],
            )
            rows = cursor.fetchall()
        if len(rows) >= k or r > 20000:
            return [row[0] for row in rows]
        r *= 4


def measure(queries: int, seed: int) -> dict[str, object]:
    from django.db import connection

    from kubat.core.geo import box_around
    from kubat.registry import selectors
    from kubat.registry.enums import STANDARD_CODES

    rng = random.Random(seed + 1)
    points = [
        (*_point(rng), rng.choice(["GBT_DC", "IEC_62196_T2_COMBO", "CHADEMO", "IEC_62196_T2"]))
        for _ in range(queries)
    ]
    result: dict[str, object] = {}
    result["nearest10_connector"] = _timed(
        lambda q: selectors.nearest_locations(lat=q[0], lon=q[1], k=10, standards=(q[2],)), points
    )
    boxes = [box_around(*_point(rng), 8.0) for _ in range(queries // 2)]
    result["bbox_city_first_page_and_total"] = _timed(
        lambda b: selectors.search_locations(filters=selectors.LocationFilters(bbox=b), limit=100),
        boxes,
    )
    countries = [None, "KG", "KZ"] * (queries // 6)
    result["stats"] = _timed(lambda c: selectors.national_stats(country_code=c), countries)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX bench_searchpoint_code_lat ON registry_searchpoint (code, lat)"
        )
        cursor.execute("ANALYZE")
    result["baseline_btree_nearest10_connector"] = _timed(
        lambda q: _baseline_nearest(q[0], q[1], STANDARD_CODES[q[2]]),
        points[: max(50, queries // 5)],
        warmup=5,
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX bench_searchpoint_code_lat")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--database-url", help="PostgreSQL server URL; a _bench database is created beside it."
    )
    parser.add_argument("--evses", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse", action="store_true", help="Measure the database the last run loaded."
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    _setup(args.engine, args.database_url, fresh=not args.reuse)
    from django.db import connection

    report: dict[str, object] = {"engine": args.engine, "server": connection.vendor}
    report["load"] = "reused" if args.reuse else load(args.evses, args.seed)
    report.update(measure(args.queries, args.seed))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
