"""Open data at scale: stream the CSV and GeoJSON of N EVSEs over loopback; time the map feed.

    python bench/open_data.py --engine sqlite --evses 100000 [--reuse]
    python bench/open_data.py --engine postgres --from-sqlite --evses 1000000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/kubat_opendata

Data: the registry search bench's generator and loader (bench/registry_search.py, imported), so
the same seed gives the same rows; its SQLite files var/bench-registry-N.sqlite3 are reused with
--reuse, and PostgreSQL copies them with --from-sqlite (database <name>_bench_N).
--replicate-from M builds the SQLite file of N EVSEs from the one of M (N a multiple of M) by
copying its rows N/M times with offset ids and the same positions: what the loader makes at
1,000,000 takes the best part of an hour on a shared machine, the copy a minute. The streams
and the map feed read the rows, not how they were made.

Then:
1. Starts the server as production runs it (bench/ocpi_ingest.start_server: gunicorn, gthread).
2. Downloads /open-data/locations.csv and .geojson with a client that reads and discards,
   counting bytes and rows (CSV: lines after the header, one per connector; GeoJSON: features,
   one per location, and the EVSEs they carry are the bench's EVSE count). A sampler thread
   reads VmRSS of every worker every 20 ms; VmHWM (the kernel's peak) is read after each file.
3. The engine's figure from the same run: the raw cursor read of the same columns (location,
   EVSE, connector joined), read and discarded: SQLite a sqlite3 cursor, PostgreSQL
   `COPY (SELECT ...) TO STDOUT`. Kubat's rows/s over the engine's is the ratio.
4. The whole-country map feed (/portal-api/markers as first-feed.js asks for it at national
   zoom): p50/p95 of --map-requests sequential requests, first one reported apart.

Prints one JSON object. The machine may be shared: figures are single-run, say so when quoting.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import sqlite3
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

import registry_search  # noqa: E402  (the generator, loader and --from-sqlite copy)

# first-feed.js on a landing without a saved view: the padded country box, the exact view and
# the zoom Leaflet's fitBounds gives on a 1280 × 800 map.
MAP_QUERY = "bbox=38.5,34.2,95.3,60.4&view=46.5,39.2,87.3,55.4&zoom=5"
# The columns the CSV writes, as the engine reads them (no formatting, no tariffs).
RAW_SELECT = """
SELECT p.country_code, p.party_id, l.operator, l.ocpi_id, l.name, l.address, l.city,
       l.postal_code, l.region, l.country, l.latitude, l.longitude, l.time_zone,
       l.parking_type, l.facilities, l.opening_times, l.last_updated, e.uid, e.evse_id,
       e.status, e.capabilities, e.last_updated, c.ocpi_id, c.standard, c.format,
       c.power_type, c.max_voltage, c.max_amperage, c.max_electric_power, c.last_updated,
       l.publish, l.source
FROM registry_location l
JOIN registry_party p ON p.id = l.party_id
JOIN registry_evse e ON e.location_id = l.id
JOIN registry_connector c ON c.evse_id = e.id
WHERE e.status <> 'REMOVED'
ORDER BY l.id, e.id, c.id
"""


def replicate(source: Path, target: Path, times: int) -> dict[str, object]:
    """target := source's rows `times` over, ids offset per copy (positions unchanged)."""
    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    db = sqlite3.connect(target)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    maxes = {
        t: db.execute(f"SELECT MAX(id) FROM {t}").fetchone()[0]
        for t in (
            "registry_location",
            "registry_evse",
            "registry_connector",
            "registry_searchpoint",
        )
    }
    columns = {
        t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
        for t in (
            "registry_location",
            "registry_evse",
            "registry_connector",
            "registry_searchpoint",
        )
    }

    def copy(table: str, k: int, shifts: dict[str, str]) -> None:
        cols = columns[table]
        select = ", ".join(shifts.get(c, f'"{c}"') for c in cols)
        quoted = ", ".join(f'"{c}"' for c in cols)
        db.execute(
            f"INSERT INTO {table} ({quoted}) SELECT {select} FROM {table} WHERE id <= ?",
            (maxes[table],),
        )

    with db:
        for k in range(1, times):
            lo, ev, co, sp = (k * maxes[t] for t in maxes)
            copy("registry_location", k, {"id": f"id + {lo}", "ocpi_id": f"ocpi_id || '-{k}'"})
            copy("registry_evse", k, {"id": f"id + {ev}", "location_id": f"location_id + {lo}"})
            copy("registry_connector", k, {"id": f"id + {co}", "evse_id": f"evse_id + {ev}"})
            copy(
                "registry_searchpoint",
                k,
                {"id": f"id + {sp}", "location_id": f"location_id + {lo}"},
            )
        db.execute(f"UPDATE registry_searchcell SET locations = locations * {times}")
        db.execute(f"UPDATE registry_statcounter SET value = value * {times}")
    # The R*Tree beside registry_searchpoint (registry.spatial) is not used by these reads.
    db.execute("ANALYZE")
    db.close()
    return {
        "replicated_from": str(source),
        "times": times,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(c) for c in children]


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(master: int) -> float:
    """User + system CPU of every worker so far (/proc/PID/stat fields 14 and 15)."""
    total = 0
    for pid in _workers(master):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """Samples VmRSS of every worker of the gunicorn master every 20 ms, keeping the peak."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.peak_kb = 0
        self.peak_anon_kb = 0  # the heap: VmRSS less SQLite's mmap of the file (RssFile)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in _workers(self.master):
                with contextlib.suppress(OSError):  # a worker may just have exited
                    self.peak_kb = max(self.peak_kb, _status_kb(pid, "VmRSS"))
                    self.peak_anon_kb = max(self.peak_anon_kb, _status_kb(pid, "RssAnon"))
            time.sleep(0.02)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def download(port: int, path: str, master: int, marker: bytes) -> dict[str, Any]:
    """GET `path`, read and discard; count bytes and `marker` occurrences (rows)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    count = size = 0
    tail = b""
    cpu_before = _cpu_seconds(master)
    with RssSampler(master) as sampler:
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 200, (path, response.status)
        first_byte = time.perf_counter() - started
        while chunk := response.read(256 * 1024):
            size += len(chunk)
            window = tail + chunk
            count += window.count(marker)
            tail = window[-(len(marker) - 1) :]
        elapsed = time.perf_counter() - started
    conn.close()
    return {
        "bytes": size,
        "marker_count": count,
        "seconds": round(elapsed, 2),
        "server_cpu_s": round(_cpu_seconds(master) - cpu_before, 2),
        "first_byte_ms": round(first_byte * 1000, 1),
        "peak_rss_sampled_mb": round(sampler.peak_kb / 1024, 1),
        "peak_rss_anon_sampled_mb": round(sampler.peak_anon_kb / 1024, 1),
        "peak_rss_vmhwm_mb": round(max(_status_kb(p, "VmHWM") for p in _workers(master)) / 1024, 1),
    }


def engine_read(database_url: str, engine: str) -> dict[str, Any]:
    """The raw cursor read of the CSV's columns, every row fetched and discarded."""
    started = time.perf_counter()
    cpu = time.process_time()
    rows = size = 0
    if engine == "sqlite":
        db = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        for _row in db.execute(RAW_SELECT):
            rows += 1
        db.close()
    else:
        import psycopg

        with (
            psycopg.connect(database_url) as conn,
            conn.cursor() as cursor,
            cursor.copy(f"COPY ({RAW_SELECT}) TO STDOUT") as copy,
        ):
            for block in copy:
                size += len(block)
                rows += bytes(block).count(b"\n")
    elapsed = time.perf_counter() - started
    # On PostgreSQL the server process does the work, this process only receives the rows.
    return {
        "rows": rows,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed),
        "client_cpu_s": round(time.process_time() - cpu, 2),
    }


def map_feed(port: int, requests: int) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    samples: list[float] = []
    body: dict[str, Any] = {}
    for _ in range(requests + 1):
        started = time.perf_counter()
        conn.request("GET", f"/portal-api/markers?{MAP_QUERY}")
        response = conn.getresponse()
        data = response.read()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, data[:200]
        body = json.loads(data)
    conn.close()
    first, rest = samples[0], sorted(samples[1:])
    return {
        "query": MAP_QUERY,
        "mode": body.get("mode"),
        "clusters": len(body.get("clusters", [])),
        "clustered_locations": sum(c[2] for c in body.get("clusters", [])),
        "in_view": body.get("in_view"),
        "in_view_kind": body.get("in_view_kind"),
        "bytes": len(data),
        "first_ms": round(first, 1),
        "n": len(rest),
        "p50_ms": round(statistics.median(rest), 1),
        "p95_ms": round(rest[min(len(rest) - 1, int(0.95 * len(rest)))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="PostgreSQL server URL; <name>_bench_N is used.")
    parser.add_argument("--evses", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="Use the database already built.")
    parser.add_argument("--from-sqlite", action="store_true", help="PostgreSQL: copy the SQLite.")
    parser.add_argument("--replicate-from", type=int, help="SQLite: build N from the M file.")
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--map-requests", type=int, default=100)
    parser.add_argument(
        "--files",
        default="csv,geojson",
        help="Which downloads to time (comma-separated): csv, geojson, or both.",
    )
    args = parser.parse_args()
    if args.from_sqlite and args.engine != "postgres":
        parser.error("--from-sqlite is for --engine postgres")
    sqlite_path = ROOT / "var" / f"bench-registry-{args.evses}.sqlite3"
    report: dict[str, Any] = {"engine": args.engine, "evses": args.evses}
    if args.replicate_from:
        if args.engine != "sqlite" or args.evses % args.replicate_from:
            parser.error("--replicate-from is for SQLite, with --evses a multiple of it")
        source = ROOT / "var" / f"bench-registry-{args.replicate_from}.sqlite3"
        report["load"] = replicate(source, sqlite_path, args.evses // args.replicate_from)
        args.reuse = True
    url = registry_search._setup(
        args.engine, args.database_url, fresh=not args.reuse, evses=args.evses
    )
    if "load" in report:
        pass
    elif args.reuse:
        report["load"] = "reused"
    elif args.from_sqlite:
        report["load"] = registry_search.copy_from_sqlite(sqlite_path)
    else:
        report["load"] = registry_search.load(args.evses, args.seed)
    from django.db import connection

    from kubat.registry.models import EVSE, Connector, Location

    report["rows"] = {
        "locations": Location.objects.count(),
        "evses": EVSE.objects.exclude(status="REMOVED").count(),
        "connectors": Connector.objects.count(),
    }
    connection.close()
    report["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    from ocpi_ingest import start_server

    server = start_server(
        database_url=url,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        worker_class="gthread",
    )
    try:
        report["server"] = f"gunicorn gthread, {args.workers} workers x {args.threads} threads"
        report["worker_rss_at_start_mb"] = round(
            max(_status_kb(p, "VmRSS") for p in _workers(server.pid)) / 1024, 1
        )
        files = set(args.files.split(","))
        if "csv" in files:
            csv_run = download(args.port, "/open-data/locations.csv", server.pid, b"\r\n")
            csv_run["rows"] = csv_run.pop("marker_count") - 1  # the header line
            csv_run["rows_per_s"] = round(csv_run["rows"] / csv_run["seconds"])
            csv_run["evses_per_s"] = round(report["rows"]["evses"] / csv_run["seconds"])
            csv_run["rows_per_server_cpu_s"] = round(
                csv_run["rows"] / max(csv_run["server_cpu_s"], 0.01)
            )
            report["csv"] = csv_run
        if "geojson" in files:
            geo = download(
                args.port, "/open-data/locations.geojson", server.pid, b'"type": "Feature"'
            )
            geo["features"] = geo.pop("marker_count")
            geo["features_per_s"] = round(geo["features"] / geo["seconds"])
            geo["evses_per_s"] = round(report["rows"]["evses"] / geo["seconds"])
            geo["evses_per_server_cpu_s"] = round(
                report["rows"]["evses"] / max(geo["server_cpu_s"], 0.01)
            )
            report["geojson"] = geo
        engine = report["engine_read"] = engine_read(url, args.engine)
        if "csv" in report:
            report["csv_rows_vs_engine"] = round(
                report["csv"]["rows_per_s"] / engine["rows_per_s"], 3
            )
        report["map_feed"] = map_feed(args.port, args.map_requests)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
