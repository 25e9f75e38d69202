"""Insights at national scale: adequacy and compatibility reads, and a siting MILP. Prints JSON.

    python bench/insights.py --database-url postgresql://postgres@127.0.0.1:5432/kubat_insights
    python bench/insights.py --database-url ... --evses 100000 --registrations 500000 --runs 5

Part 1 (PostgreSQL): a fresh database `<name>_bench` gets N EVSEs (one connector each, 2-6
per location, 92 % in service, the facts.md DC/AC mix, in the regions of both countries)
through the registry's bulk loader, the write path of imports, which fills the derived
columns and counters as it inserts; and M registrations (catalogue models, both countries,
2021-2026) by SQL, whose counts the fleet's rebuild then fills (`_load_fleet` says why).
Then `selectors.adequacy_for` and `selectors.compatibility_for` of each country are timed
`--runs` times each as readers get them, live from the counters (p50, p95, max in ms; the
first run included, so a cold cache counts). `--from-rows-runs` times the row-scanning
reference and checks both answers equal. Load averages are printed before, after the load
and at the end.

Part 2 (no database): a maximal-covering instance of `--candidates` sites and `--demand`
weighted points over Kyrgyzstan and Kazakhstan, budget `--budget`, radius `--radius-km`,
solved by the greedy and by HiGHS with mip_rel_gap 0.1 %; prints objective, bound, gap and
seconds. Targets (issue 12): p95 < 200 ms; siting optimal within 0.1 % in < 30 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

REGIONS = {  # country: [(region, lat, lon, weight)]
    "KG": [
        ("Bishkek", 42.87, 74.57, 60),
        ("Chuy", 42.84, 75.30, 13),
        ("Osh", 40.53, 72.80, 10),
        ("Jalal-Abad", 40.93, 72.98, 6),
        ("Issyk-Kul", 42.49, 78.39, 5),
        ("Naryn", 41.43, 75.99, 2),
        ("Talas", 42.52, 72.24, 2),
        ("Batken", 40.06, 70.82, 2),
    ],
    "KZ": [
        ("Almaty", 43.24, 76.89, 55),
        ("Astana", 51.17, 71.45, 20),
        ("Shymkent", 42.34, 69.59, 8),
        ("Karaganda Region", 49.80, 73.11, 5),
        ("Aktobe Region", 50.28, 57.17, 3),
        ("Pavlodar Region", 52.29, 76.97, 3),
        ("Atyrau Region", 47.12, 51.88, 3),
        ("Kostanay Region", 53.22, 63.64, 3),
    ],
}
STANDARDS = [  # standard, power type, kW, weight (facts.md demo mix: DC 60/35/5, AC 50/45/5)
    ("GBT_DC", "DC", 60, 33),
    ("IEC_62196_T2_COMBO", "DC", 120, 19),
    ("CHADEMO", "DC", 50, 3),
    ("GBT_AC", "AC_3_PHASE", 22, 22),
    ("IEC_62196_T2", "AC_3_PHASE", 22, 20),
    ("DOMESTIC_F", "AC_1_PHASE", 3.7, 3),
]
STATUSES = [("AVAILABLE", 80), ("CHARGING", 12), ("PLANNED", 5), ("REMOVED", 3)]


def _setup(url: str) -> str:
    import psycopg

    base, _, name = url.rpartition("/")
    name = f"{name}_bench"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["KUBAT_DATABASE_URL"] = f"{base}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubat.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return f"{base}/{name}"


STAMP = "2026-11-01T00:00:00Z"
Region = tuple[str, float, float, int]


def _location(rng: random.Random, n: int, cc: str, party: str, region: Region) -> dict[str, Any]:
    """One OCPI Location of 2 to 6 EVSEs (4 on average, one connector each) near its region's
    seat, with the STANDARDS mix and the STATUSES mix."""
    _, lat, lon, _ = region
    evses = []
    for e in range(rng.choice([2, 3, 4, 5, 6])):
        standard, power_type, kw, _ = rng.choices(STANDARDS, weights=[s[3] for s in STANDARDS])[0]
        status = rng.choices(STATUSES, weights=[s[1] for s in STATUSES])[0][0]
        evses.append(
            {
                "uid": f"{n}-{e}",
                "evse_id": f"{cc}*{party}*E{n}X{e}",
                "status": status,
                "connectors": [
                    {
                        "id": "1",
                        "standard": standard,
                        "format": "CABLE",
                        "power_type": power_type,
                        "max_voltage": 750 if power_type == "DC" else 230,
                        "max_amperage": 200 if power_type == "DC" else 32,
                        "max_electric_power": int(kw * 1000),
                        "last_updated": STAMP,
                    }
                ],
                "last_updated": STAMP,
            }
        )
    return {
        "country_code": cc,
        "party_id": party,
        "id": f"L{n}",
        "publish": rng.random() >= 0.02,
        "name": f"Bench {n}",
        "address": "Street 1",
        "city": region[0],
        "country": "KGZ" if cc == "KG" else "KAZ",
        "coordinates": {
            "latitude": f"{lat + rng.uniform(-0.2, 0.2):.6f}",
            "longitude": f"{lon + rng.uniform(-0.25, 0.25):.6f}",
        },
        "evses": evses,
        "time_zone": "Asia/Almaty",
        "last_updated": STAMP,
    }


def _load_registry(evses: int, *, seed: int, batch: int = 2000) -> dict[str, float]:
    """N EVSEs through the registry's bulk loader (`bulk_create_locations`): the write path of
    imports and the demo, which fills the derived columns, search points and counters as it
    inserts, so nothing needs rebuilding afterwards."""
    from django.db import transaction

    from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
    from kubat.registry import services as registry_services
    from kubat.registry.enums import Source

    rng = random.Random(seed)
    regions = [(cc, row) for cc, rows in REGIONS.items() for row in rows]
    parties = {
        (cc, i): registry_services.get_or_create_party(
            country_code=cc, party_id=f"B{i:02d}", name=f"Bench {cc} {i}"
        )
        for cc in REGIONS
        for i in range(1, 21)
    }
    started = time.perf_counter()
    made = n = 0
    while made < evses:
        items = []
        while len(items) < batch and made < evses:
            cc, region = rng.choices(regions, weights=[r[3] for _, r in regions])[0]
            party = parties[(cc, 1 + n % 20)]
            data = _location(rng, n, cc, party.party_id, region)
            data["evses"] = data["evses"][: evses - made]
            made += len(data["evses"])
            items.append((party, ocpi.Location.model_validate(data), region[0]))
            n += 1
        with transaction.atomic():
            registry_services.bulk_create_locations(items=items, source=Source.IMPORT)
        print(f"registry: {made} EVSEs", file=sys.stderr, end="\r")
    elapsed = time.perf_counter() - started
    return {
        "locations": n,
        "load_registry_s": round(elapsed, 1),
        "registry_evses_per_s": round(made / elapsed),
    }


def _load_fleet(registrations: int, *, batch: int = 1_000_000) -> dict[str, float]:
    """M registrations generated by SQL (generate_series: catalogue models without HEVs, both
    countries by the regions' weights, registered 2021-2026, source "import"), then the
    fleet's `rebuild_registration_counts` fills RegistrationCount from them (timed apart).

    Not through `import_registrations`: it validates and inserts row by row through the ORM
    (about 4,000 rows/s on this machine under load, 20 minutes for 5,000,000), and what is
    measured here is the reads. tests/fleet/test_counts.py proves that the counts the import
    keeps equal this rebuild."""
    from django.db import connection, transaction

    from kubat.fleet import services as fleet_services

    regions = [(cc, r, w) for cc, rows in REGIONS.items() for r, _, _, w in rows]
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, make, model, powertrain FROM fleet_evmodel"
            " WHERE powertrain <> 'HEV' ORDER BY id"
        )
        models = cur.fetchall()
        cur.execute("CREATE TEMP TABLE bench_model (k int, id int, make text, model text, pt text)")
        cur.executemany(
            "INSERT INTO bench_model VALUES (%s, %s, %s, %s, %s)",
            [(k, *m) for k, m in enumerate(models)],
        )
        cur.execute("CREATE TEMP TABLE bench_region (k int, cc text, region text)")
        # One row per unit of weight, so that "(i * prime) % rows" spreads by weight.
        cur.executemany(
            "INSERT INTO bench_region VALUES (%s, %s, %s)",
            [
                (k, cc, r)
                for k, (cc, r) in enumerate((cc, r) for cc, r, w in regions for _ in range(w))
            ],
        )
        slots = sum(w for _, _, w in regions)
        for low in range(0, registrations, batch):
            high = min(low + batch, registrations)
            cur.execute(
                f"""
                INSERT INTO fleet_registration (vin, ev_model_id, make, model, powertrain,
                  country_code, region, registered_on, origin, source)
                SELECT 'B' || lpad(i::text, 16, '0'), m.id, m.make, m.model, m.pt, r.cc,
                  r.region, date '2021-01-01' + (i % 2000)::int, 'quota_import', 'import'
                FROM generate_series({low}::bigint, {high - 1}) i
                JOIN bench_model m ON m.k = (i * 13) % {len(models)}
                JOIN bench_region r ON r.k = (i * 7919) % {slots}
                """
            )
            print(f"fleet: {high} registrations", file=sys.stderr, end="\r")
    loaded = time.perf_counter()
    with transaction.atomic():
        fleet_services.rebuild_registration_counts()
    return {
        "load_fleet_s": round(loaded - started, 1),
        "rebuild_fleet_counts_s": round(time.perf_counter() - loaded, 1),
    }


def _timed(fn: Callable[[], Any], runs: int) -> tuple[dict[str, float], Any]:
    """Timings of `runs` calls (ms) and the last call's answer."""
    times = []
    answer = None
    for _ in range(runs):
        t0 = time.perf_counter()
        answer = fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "runs": runs,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(times[-1], 1),
    }, answer


def _siting(candidates: int, demand: int, budget: int, radius_km: float) -> dict[str, object]:
    from kubat.insights import siting

    rng = random.Random(12)
    seats = [(lat, lon, w) for rows in REGIONS.values() for _, lat, lon, w in rows]

    def spot(spread: float) -> tuple[float, float]:
        lat, lon, _ = rng.choices(seats, weights=[s[2] for s in seats])[0]
        return lat + rng.gauss(0, spread), lon + rng.gauss(0, spread * 1.3)

    cands = [spot(1.2) for _ in range(candidates)]
    points = [(*spot(1.5), rng.uniform(0.5, 20)) for _ in range(demand)]
    instance = siting.Instance.build(cands, points)
    t0 = time.perf_counter()
    cover = siting.coverage(instance, radius_km=radius_km)
    build_s = time.perf_counter() - t0
    greedy = siting.greedy_covering(cover, instance.weight, budget=budget)
    milp = siting.milp_covering(
        cover,
        instance.weight,
        budget=budget,
        time_limit_s=30.0,
        mip_rel_gap=1e-3,
        start=greedy.sites,
    )
    return {
        "candidates": candidates,
        "demand_points": demand,
        "budget": budget,
        "radius_km": radius_km,
        "coverage_pairs": int(sum(len(c) for c in cover)),
        "coverage_build_s": round(build_s, 2),
        "greedy": greedy.as_dict() | {"sites": len(greedy.sites)},
        "greedy_gap_against_milp_bound": siting.greedy_gap(greedy, milp, maximise=True),
        "milp": milp.as_dict() | {"sites": len(milp.sites)},
        "meets_target": milp.gap is not None and milp.gap <= 1e-3 and milp.seconds < 30,
    }


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """File descriptor 1 pointed at 2 for a while (C libraries write to it directly)."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--evses", type=int, default=1_000_000)
    parser.add_argument("--registrations", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--from-rows-runs", type=int, default=1, help="Runs of the row-scanning reference."
    )
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--demand", type=int, default=20_000)
    parser.add_argument("--budget", type=int, default=25)
    parser.add_argument("--radius-km", type=float, default=25.0)
    parser.add_argument("--skip-database", action="store_true", help="Only the siting part.")
    args = parser.parse_args()
    out: dict[str, object] = {"load_average_before": os.getloadavg()}
    if not args.skip_database:
        out["database"] = _setup(args.database_url)
        from django.db import connection  # after _setup has configured Django

        from kubat.insights import selectors

        out["evses"] = args.evses
        out["registrations"] = args.registrations
        out.update(_load_registry(args.evses, seed=args.seed))
        out.update(_load_fleet(args.registrations))
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        out["load_average_after_load"] = os.getloadavg()
        for cc in ("KZ", "KG"):
            # Live, as readers get them (the API and pages call these), from the counters.
            adequacy, live_a = _timed(lambda cc=cc: selectors.adequacy_for(country=cc), args.runs)
            compat, live_c = _timed(
                lambda cc=cc: selectors.compatibility_for(country=cc), args.runs
            )
            out[f"adequacy_{cc}_live"] = adequacy
            out[f"compatibility_{cc}_live"] = compat
            # The same answers by scanning the rows, for comparison; they must agree.
            if args.from_rows_runs:
                adequacy, rows_a = _timed(
                    lambda cc=cc: selectors.adequacy_for(country=cc, from_rows=True),
                    args.from_rows_runs,
                )
                compat, rows_c = _timed(
                    lambda cc=cc: selectors.compatibility_for(country=cc, from_rows=True),
                    args.from_rows_runs,
                )
                out[f"adequacy_{cc}_from_rows"] = adequacy
                out[f"compatibility_{cc}_from_rows"] = compat
                out[f"live_equals_from_rows_{cc}"] = live_a == rows_a and live_c == rows_c
        out["target_p95_ms"] = 200
    with _stdout_to_stderr():  # HiGHS prints its banner on stdout, which is for the JSON
        out["siting"] = _siting(args.candidates, args.demand, args.budget, args.radius_km)
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
