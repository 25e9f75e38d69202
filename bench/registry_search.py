"""Registry search at national scale: load N EVSEs, then time the service-layer reads.

    python bench/registry_search.py --engine sqlite [--evses 1000000] [--compare]
    python bench/registry_search.py --engine postgres --database-url postgresql://postgres@127.0.0.1:5432/kubat

Generates N EVSEs (about 3 per location, 1-2 connectors each) in clusters around the cities of
Central Asia with a thin spread over the steppe, loads them through the registry's own bulk
service into a fresh database (one per size: var/bench-registry-N.sqlite3, <name>_bench_N), then
measures, in the service layer (what the API calls): nearest-10 with a connector filter, a
city-sized bbox search (first page of 100 plus the total) and the national stats call. As a
baseline for the index choice it also times the same nearest query answered from a plain
B-tree on (code, lat) instead of the spatial index. Prints JSON.

--compare also builds the engine's own best design on the same data in the same database and
times it on the same queries, interleaved with Kubat's (query by query, so both see the same
machine load), and prints Kubat's figures, the engine's and their ratio:
- PostgreSQL: PostGIS (installed from Debian's postgresql-<major>-postgis-3 when missing and we
  run as root; `CREATE EXTENSION postgis` in the bench database only), a geometry table of the
  in-service search points with a partial GiST index per standard; nearest is its KNN
  (`ORDER BY geom <-> point LIMIT 10`), the box the 101 nearest the centre inside the box
  (`geom && envelope`) and the count up to the same bound Kubat uses. PostGIS is bench-only.
- SQLite: an R*Tree per standard with the point's exact lat/lon as auxiliary columns, searched
  with an expanding box, over the raw sqlite3 connection.
The engine answers ids only, Kubat whole locations (the box page loads 100 locations with their
EVSEs and connectors), so `kubat_box_ids` also times Kubat's index part alone.
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


def _setup(engine: str, url: str | None, fresh: bool, evses: int) -> str:
    if engine == "sqlite":
        path = ROOT / "var" / f"bench-registry-{evses}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            if fresh:
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        assert url, "--database-url is required for postgres"
        base, _, name = url.rpartition("/")
        name = f"{name}_bench_{evses}"
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


def _summary(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    pick = lambda p: round(samples[min(len(samples) - 1, int(p * len(samples)))], 3)  # noqa: E731
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
    }


# What the search reads: the copy of --from-sqlite moves these tables and nothing else.
SEARCH_TABLES = [
    "registry_party",
    "registry_location",
    "registry_evse",
    "registry_connector",
    "registry_searchpoint",
    "registry_searchcell",
    "registry_statcounter",
]


def copy_from_sqlite(path: Path) -> dict[str, object]:
    """PostgreSQL: COPY the search tables of the SQLite bench database of the same size (the
    same generator and seed, so the same data) instead of loading through the bulk service,
    whose 1,000,000 EVSEs take tens of minutes on a busy machine. The load is then not timed."""
    import sqlite3

    from django.db import connection

    if not path.exists():
        raise SystemExit(f"--from-sqlite: {path} does not exist; run the SQLite bench first")
    source = sqlite3.connect(path)
    connection.ensure_connection()
    raw = connection.connection
    started = time.perf_counter()
    rows = {}
    for table in SEARCH_TABLES:
        columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
        quoted = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            n = 0
            for row in source.execute(f"SELECT {quoted} FROM {table}"):
                copy.write_row(row)
                n += 1
        rows[table] = n
        with raw.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "copied_from": str(path),
        "rows": rows,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _timed(fn, queries, warmup: int = 30) -> dict[str, float]:
    return _interleaved({"only": fn}, queries, warmup)["only"]


def _interleaved(fns: dict, queries, warmup: int = 30) -> dict[str, dict[str, float]]:
    """Time each of `fns` on every query, one after the other per query, so that they share
    the machine's load; milliseconds per call."""
    for q in queries[:warmup]:
        for fn in fns.values():
            fn(q)
    samples: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for q in queries:
        for name, fn in fns.items():
            c = time.process_time_ns()
            t = time.perf_counter_ns()
            fn(q)
            samples[name].append((time.perf_counter_ns() - t) / 1e6)
            cpu[name].append((time.process_time_ns() - c) / 1e6)
    return {
        name: {**_summary(values), **_cpu_summary(cpu[name])} for name, values in samples.items()
    }


def _cpu_summary(samples: list[float]) -> dict[str, float]:
    """CPU time of this process per call (ms): on a shared machine the wall clock measures the
    other processes' load as much as ours. On SQLite it is the whole query (the engine runs in
    this process); on PostgreSQL only the client's side (the server's CPU is not in it)."""
    summary = _summary(samples)
    return {"cpu_p50_ms": summary["p50_ms"], "cpu_p95_ms": summary["p95_ms"]}


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


def _queries(queries: int, seed: int) -> tuple[list[tuple[float, float, str]], list]:
    """Nearest-query points (lat, lon, standard) and city-sized boxes (16 x 16 km)."""
    from kubat.core.geo import box_around

    rng = random.Random(seed + 1)
    points = [
        (*_point(rng), rng.choice(["GBT_DC", "IEC_62196_T2_COMBO", "CHADEMO", "IEC_62196_T2"]))
        for _ in range(queries)
    ]
    boxes = [box_around(*_point(rng), 8.0) for _ in range(queries // 2)]
    return points, boxes


def _kubat_box_page(box) -> list[dict[str, object]]:
    """What GET /api/v1/locations?bbox= computes: the page read as values and presented."""
    from kubat.registry import presenters, selectors

    page = selectors.search_location_rows(filters=selectors.LocationFilters(bbox=box), limit=100)
    presenters.total_label(selectors.Total(page.total, page.total_kind))
    return [presenters.row_summary(r, page.distances_km.get(r.values["id"])) for r in page.items]


def _kubat_model_page(box) -> list[dict[str, object]]:
    """The same page built from Location instances (the API's way before search_location_rows),
    timed beside it as the A/B of that change."""
    from kubat.registry import presenters, selectors

    page = selectors.search_locations(filters=selectors.LocationFilters(bbox=box), limit=100)
    presenters.total_label(selectors.Total(page.total, page.total_kind))
    return [presenters.location_summary(loc, page.distances_km.get(loc.pk)) for loc in page.items]


def _kubat_box_ids(box) -> None:
    """Kubat's box search without loading the page's locations: the index part alone."""
    from kubat.registry import selectors, spatial
    from kubat.registry.enums import ANY_STANDARD

    lat, lon, radius = selectors._box_circle(box)
    extra = selectors._extra_for_near(selectors.LocationFilters(bbox=box))
    common = {"lat": lat, "lon": lon, "radius_km": radius, "codes": [ANY_STANDARD]}
    spatial.nearest(k=101, extra=extra, within=box, **common)
    spatial.count_within(extra=extra, within=box, up_to=selectors.EXACT_TOTAL_UP_TO, **common)


def measure(queries: int, seed: int, compare: bool) -> dict[str, object]:
    from django.db import connection

    from kubat.registry import selectors
    from kubat.registry.enums import STANDARD_CODES

    points, boxes = _queries(queries, seed)
    result: dict[str, object] = {}
    kubat_nearest = {
        "kubat": lambda q: selectors.nearest_locations(lat=q[0], lon=q[1], k=10, standards=(q[2],))
    }
    kubat_box = {
        "kubat": _kubat_box_page,
        "kubat_box_ids": _kubat_box_ids,
        "kubat_model_page": _kubat_model_page,
    }
    if compare:
        engine = Engine.build(connection)
        result["engine_build"] = engine.built
        kubat_nearest["engine"] = lambda q: engine.nearest(q[0], q[1], STANDARD_CODES[q[2]])
        kubat_box["engine"] = engine.box
        kubat_box["engine_exact_count"] = engine.box_exact_count
    nearest = _interleaved(kubat_nearest, points)
    box = _interleaved(kubat_box, boxes)
    result["nearest10_connector"] = nearest
    result["bbox_city_first_page_and_total"] = box
    if compare:
        result["ratio_p95"] = {
            "nearest10_connector": round(
                nearest["kubat"]["p95_ms"] / nearest["engine"]["p95_ms"], 2
            ),
            "bbox_city_first_page_and_total": round(
                box["kubat"]["p95_ms"] / box["engine"]["p95_ms"], 2
            ),
        }
        result["ratio_cpu_p95"] = {
            name: round(part["kubat"]["cpu_p95_ms"] / part["engine"]["cpu_p95_ms"], 2)
            for name, part in (
                ("nearest10_connector", nearest),
                ("bbox_city_first_page_and_total", box),
            )
        }
        result["ratio_p50"] = {
            "nearest10_connector": round(
                nearest["kubat"]["p50_ms"] / nearest["engine"]["p50_ms"], 2
            ),
            "bbox_city_first_page_and_total": round(
                box["kubat"]["p50_ms"] / box["engine"]["p50_ms"], 2
            ),
        }
        result["box_totals"] = _box_totals(boxes)
        engine.drop()
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


def _box_totals(boxes) -> dict[str, object]:
    """How the boxes' totals came out: exact, about (with the estimate's error against an exact
    count) or more than."""
    from kubat.registry import selectors

    kinds: dict[str, int] = {}
    errors = []
    for box in boxes[:100]:
        page = selectors.search_locations(filters=selectors.LocationFilters(bbox=box), limit=1)
        kinds[page.total_kind.value] = kinds.get(page.total_kind.value, 0) + 1
        if page.total_kind == selectors.TotalKind.ABOUT:
            exact = selectors._public_queryset(selectors.LocationFilters(bbox=box)).count()
            errors.append(abs(page.total - exact) / exact)
    return {
        "boxes": min(len(boxes), 100),
        "kinds": kinds,
        "about_error_median": round(statistics.median(errors), 4) if errors else None,
        "about_error_max": round(max(errors), 4) if errors else None,
    }


class Engine:
    """The engine's own best design for the same questions, on the same data (see --compare)."""

    def __init__(self, connection, built: dict[str, object]) -> None:
        self.connection = connection
        self.raw = connection.connection
        self.built = built
        self.vendor = connection.vendor

    @classmethod
    def build(cls, connection) -> Engine:
        started = time.perf_counter()
        connection.ensure_connection()
        codes = _codes_present(connection)
        if connection.vendor == "postgresql":
            version = _ensure_postgis(connection)
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_engine_point")
                cursor.execute(
                    "CREATE TABLE bench_engine_point AS SELECT s.location_id, s.code,"
                    " ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS geom"
                    " FROM registry_searchpoint s JOIN registry_location l ON l.id = s.location_id"
                    " WHERE l.evse_count > 0"
                )
                for code in codes:
                    cursor.execute(
                        f"CREATE INDEX bench_engine_point_{code} ON bench_engine_point"
                        f" USING gist (geom) WHERE code = {code}"
                    )
                cursor.execute("ANALYZE bench_engine_point")
            design = f"PostGIS {version}: partial GiST index per standard, KNN <->"
        else:
            with connection.cursor() as cursor:
                for code in codes:
                    cursor.execute(f"DROP TABLE IF EXISTS bench_engine_rtree_{code}")
                    cursor.execute(
                        f"CREATE VIRTUAL TABLE bench_engine_rtree_{code} USING"
                        " rtree(id, min_x, max_x, min_y, max_y, +lat REAL, +lon REAL)"
                    )
                    cursor.execute(
                        f"INSERT INTO bench_engine_rtree_{code} SELECT s.location_id, s.lon, s.lon,"
                        " s.lat, s.lat, s.lat, s.lon FROM registry_searchpoint s"
                        " JOIN registry_location l ON l.id = s.location_id"
                        f" WHERE l.evse_count > 0 AND s.code = {code}"
                    )
            design = "SQLite R*Tree per standard, exact lat/lon auxiliary, expanding box"
        built = {"design": design, "seconds": round(time.perf_counter() - started, 1)}
        return cls(connection, built)

    def drop(self) -> None:
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute("DROP TABLE IF EXISTS bench_engine_point")
            else:
                for code in _codes_present(self.connection):
                    cursor.execute(f"DROP TABLE IF EXISTS bench_engine_rtree_{code}")

    # PostGIS ----------------------------------------------------------------------------------

    def _pg(self, sql: str, params: list) -> list:
        import psycopg

        with psycopg.Cursor(self.raw) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchall()

    def nearest(self, lat: float, lon: float, code: int, k: int = 10) -> list[int]:
        if self.vendor == "postgresql":
            rows = self._pg(
                "SELECT location_id FROM bench_engine_point WHERE code = %s"
                " ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT %s",
                [code, lon, lat, k],
            )
            return [r[0] for r in rows]
        return [pk for pk, _ in self._sqlite_nearest(lat, lon, code, k)]

    def box(self, box) -> tuple[list[int], int]:
        """The 101 nearest the box's centre inside the box, and the count up to the bound."""
        from kubat.registry.selectors import EXACT_TOTAL_UP_TO

        lat, lon = (box.min_lat + box.max_lat) / 2, (box.min_lon + box.max_lon) / 2
        if self.vendor == "postgresql":
            envelope = "ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
            corners = [box.min_lon, box.min_lat, box.max_lon, box.max_lat]
            rows = self._pg(
                f"SELECT location_id FROM bench_engine_point WHERE code = 0 AND geom && {envelope}"
                " ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT 101",
                [*corners, lon, lat],
            )
            ((count,),) = self._pg(
                "SELECT COUNT(*) FROM (SELECT 1 FROM bench_engine_point WHERE code = 0"
                f" AND geom && {envelope} LIMIT %s) AS t",
                [*corners, EXACT_TOTAL_UP_TO + 1],
            )
            return [r[0] for r in rows], count
        ids = [pk for pk, _ in self._sqlite_nearest(lat, lon, 0, 101, within=box)]
        (count,) = self.raw.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM bench_engine_rtree_0 WHERE min_x <= ?"
            " AND max_x >= ? AND min_y <= ? AND max_y >= ? AND lon BETWEEN ? AND ?"
            " AND lat BETWEEN ? AND ? LIMIT ?)",
            [box.max_lon, box.min_lon, box.max_lat, box.min_lat, box.min_lon, box.max_lon,
             box.min_lat, box.max_lat, EXACT_TOTAL_UP_TO + 1],
        ).fetchone()  # fmt: skip
        return ids, count

    def box_exact_count(self, box) -> int:
        """What an exact total costs the engine: every row of the box counted."""
        if self.vendor == "postgresql":
            ((count,),) = self._pg(
                "SELECT COUNT(*) FROM bench_engine_point WHERE code = 0"
                " AND geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
                [box.min_lon, box.min_lat, box.max_lon, box.max_lat],
            )
            return count
        (count,) = self.raw.execute(
            "SELECT COUNT(*) FROM bench_engine_rtree_0 WHERE min_x <= ? AND max_x >= ?"
            " AND min_y <= ? AND max_y >= ?",
            [box.max_lon, box.min_lon, box.max_lat, box.min_lat],
        ).fetchone()
        return count

    # SQLite ------------------------------------------------------------------------------------

    def _sqlite_nearest(self, lat: float, lon: float, code: int, k: int, within=None) -> list:
        """The same expanding box as Kubat's (start at 250 m, grow by the density seen)."""
        from kubat.core.geo import KM_PER_DEGREE, box_around, lon_scale
        from kubat.registry.spatial import INITIAL_RADIUS_KM, _growth, clip

        c2 = lon_scale(lat) ** 2
        r = INITIAL_RADIUS_KM
        while True:
            b = clip(box_around(lat, lon, r), within)
            rows = []
            if b is not None:
                rows = self.raw.execute(
                    f"SELECT id, (lat - ?) * (lat - ?) + (lon - ?) * (lon - ?) * ? AS d2"
                    f" FROM bench_engine_rtree_{code} WHERE min_x <= ? AND max_x >= ?"
                    " AND min_y <= ? AND max_y >= ? AND d2 <= ? ORDER BY d2, id LIMIT ?",
                    [lat, lat, lon, lon, c2, b.max_lon, b.min_lon, b.max_lat, b.min_lat,
                     (r / KM_PER_DEGREE) ** 2, k],
                ).fetchall()  # fmt: skip
            if len(rows) >= k or r >= 20000:
                return rows
            r = min(r * _growth(found=len(rows), wanted=k), 20000.0)


def _codes_present(connection) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT code FROM registry_searchpoint ORDER BY code")
        return [row[0] for row in cursor.fetchall()]


def _ensure_postgis(connection) -> str:
    """PostGIS in the bench database: Debian's package is installed first when the server lacks
    it and we run as root (the server must be on this machine). Returns its version."""
    import shutil
    import subprocess

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        available = cursor.fetchone() is not None
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    if not available:
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            raise SystemExit(
                f"--compare needs PostGIS: install postgresql-{major}-postgis-3 on the server"
            )
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        # apt's progress to stderr: stdout is the bench's JSON.
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=sys.stderr)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends",
             f"postgresql-{major}-postgis-3"],
            check=True,
            env=env,
            stdout=sys.stderr,
        )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        return str(cursor.fetchone()[0])


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


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
        "--reuse",
        action="store_true",
        help="Measure the database the last run of this size loaded.",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="Also build the engine's best design (PostGIS; SQLite R*Tree) and print ratios.",
    )
    parser.add_argument(
        "--from-sqlite",
        action="store_true",
        help="PostgreSQL: copy the data of the SQLite bench database of this size (not timed).",
    )
    args = parser.parse_args()
    if args.from_sqlite and args.engine != "postgres":
        parser.error("--from-sqlite is for --engine postgres")
    sys.path.insert(0, str(ROOT / "src"))
    _setup(args.engine, args.database_url, fresh=not args.reuse, evses=args.evses)
    from django.db import connection

    report: dict[str, object] = {"engine": args.engine, "server": connection.vendor}
    if args.reuse:
        report["load"] = "reused"
    elif args.from_sqlite:
        report["load"] = copy_from_sqlite(ROOT / "var" / f"bench-registry-{args.evses}.sqlite3")
    else:
        report["load"] = load(args.evses, args.seed)
    report["load_average_before"] = _load_average()
    report.update(measure(args.queries, args.seed, args.compare))
    report["load_average_after"] = _load_average()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
