"""Bulk load at scale: N EVSEs through the registry's bulk service, beside the engine's raw write.

    python bench/bulk_load.py --engine sqlite [--evses 100000 1000000]
    python bench/bulk_load.py --engine postgres --database-url postgresql://postgres@127.0.0.1:5432/kubat

For each size, a fresh database (var/bench-bulk-N.sqlite3, <name>_bulk_bench_N; the search
bench's databases are left alone) is loaded with the search bench's generator
(bench/registry_search.py, same seed: the same locations) in ONE transaction, as `kubat import`
writes a file: all or nothing. Kubat's time is split into `validate_s` (pydantic builds the
OCPI Location objects, as the import does for every file) and `write_s`
(registry.services.bulk_create_locations: rows, derived columns, search points, counters,
cells, the first status event of each EVSE); `kubat_s` is their sum.

The engine's figure is the same rows written raw, in the same run, into plain tables of the same
shape (no index, no constraint): on PostgreSQL each table's rows are read out with COPY TO
STDOUT and written back with COPY FROM STDIN (the server's own ingest, no Python per row); on
SQLite they are fetched as tuples and written with one executemany (sqlite3's C loop). The
ratio is Kubat's time over the engine's. --profile prints the top of a cProfile of the write.
Prints JSON. The machine may be shared: CPU time of this process is given beside wall time, and
on PostgreSQL the server backend's CPU time for the write (`write_server_cpu_s`) and for the
engine's COPY (`engine_server_cpu_s`), since the bulk loader's derivations run in the server.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from registry_search import _location  # noqa: E402  (the search bench's generator, reused)

# Kubat's tables a load writes (the counters and cells are a few hundred rows: not compared).
TABLES = [
    "registry_location",
    "registry_evse",
    "registry_connector",
    "registry_evsestatusevent",
    "registry_searchpoint",
]
CHUNK = 5000  # locations validated and written per call (one transaction for the whole load)


def _database(engine: str, url: str | None, evses: int, label: str = "") -> str:
    if engine == "sqlite":
        path = ROOT / "var" / f"bench-bulk-{evses}{label}.sqlite3"
        path.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    if not url:
        raise SystemExit("--database-url is required for postgres")
    base, _, name = url.rpartition("/")
    name = f"{name}_bulk_bench_{evses}{label}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def _chunks(total_evses: int, seed: int):
    """Lists of location dicts, as the search bench generates them (same rng sequence)."""
    rng = random.Random(seed)
    made = n = 0
    while made < total_evses:
        batch = []
        for _ in range(CHUNK):
            if made >= total_evses:
                break
            count = min(rng.choice([1, 2, 3, 4, 5]), total_evses - made)
            batch.append(_location(rng, n, count))
            made += count
            n += 1
        yield batch


def _server_cpu() -> float:
    """CPU seconds the PostgreSQL backend of this connection has used (same machine, read from
    /proc): the write's work moved into the server, where the process's own CPU time does not
    see it. 0 on SQLite, whose engine runs in this process."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(total_evses: int, seed: int, profile: bool) -> dict[str, Any]:
    from django.db import connection, transaction

    from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
    from kubat.registry import services
    from kubat.registry.enums import Source

    party = services.get_or_create_party(country_code="KZ", party_id="BEN", name="Bench")
    validate = write = validate_cpu = write_cpu = 0.0
    server_before = _server_cpu()
    locations = 0
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with transaction.atomic():
        for batch in _chunks(total_evses, seed):
            t0, c0 = time.perf_counter(), time.process_time()
            items = [(party, ocpi.Location.model_validate(d), "") for d in batch]
            t1, c1 = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            services.bulk_create_locations(items=items, source=Source.DEMO)
            if profiler:
                profiler.disable()
            t2 = time.perf_counter()
            validate, write = validate + t1 - t0, write + t2 - t1
            validate_cpu += c1 - c0
            write_cpu += time.process_time() - c1
            locations += len(items)
            print(f"loaded {locations} locations", file=sys.stderr, end="\r")
        t3 = time.perf_counter()
    commit = time.perf_counter() - t3
    server_cpu = _server_cpu() - server_before
    total = time.perf_counter() - started
    with connection.cursor() as cursor:
        rows = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            rows[table] = cursor.fetchone()[0]
    out: dict[str, Any] = {
        "evses": rows["registry_evse"],
        "locations": locations,
        "rows": rows,
        "validate_s": round(validate, 2),
        "write_s": round(write + commit, 2),
        "kubat_s": round(validate + write + commit, 2),
        "validate_cpu_s": round(validate_cpu, 2),
        "write_cpu_s": round(write_cpu, 2),
        "write_server_cpu_s": round(server_cpu, 2),
        "wall_with_generation_s": round(total, 2),
        "kubat_evses_per_s": round(rows["registry_evse"] / (validate + write + commit)),
        "kubat_rows_per_s": round(sum(rows.values()) / (validate + write + commit)),
    }
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(35)
        print(text.getvalue(), file=sys.stderr)
    return out


def engine_write() -> dict[str, Any]:
    """The same rows written raw into plain tables of the same shape, timed per table."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    seconds = server = 0.0
    count = 0
    for table in TABLES:
        plain = f"plain_{table}"
        if connection.vendor == "postgresql":
            with raw.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {plain}")
                cursor.execute(f"CREATE TABLE {plain} (LIKE {table} INCLUDING DEFAULTS)")
                data = bytearray()
                with cursor.copy(f"COPY (SELECT * FROM {table}) TO STDOUT") as copy:
                    for block in copy:
                        data += block
            raw.commit()
            t0, s0 = time.perf_counter(), _server_cpu()
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {plain} FROM STDIN") as copy:
                    for at in range(0, len(data), 1 << 20):
                        copy.write(data[at : at + (1 << 20)])
                cursor.execute(f"SELECT count(*) FROM {plain}")
                count += cursor.fetchone()[0]
            raw.commit()
            seconds += time.perf_counter() - t0
            server += _server_cpu() - s0
            with raw.cursor() as cursor:
                cursor.execute(f"DROP TABLE {plain}")
            raw.commit()
        else:
            raw.execute(f"DROP TABLE IF EXISTS {plain}")
            raw.execute(f"CREATE TABLE {plain} AS SELECT * FROM {table} WHERE 0")
            data = raw.execute(f"SELECT * FROM {table}").fetchall()
            marks = ", ".join("?" * len(data[0])) if data else ""
            raw.commit()
            t0 = time.perf_counter()
            raw.execute("BEGIN")
            raw.executemany(f"INSERT INTO {plain} VALUES ({marks})", data)
            raw.commit()
            seconds += time.perf_counter() - t0
            count += len(data)
            del data
            raw.execute(f"DROP TABLE {plain}")
            raw.commit()
    return {
        "engine_s": round(seconds, 2),
        "engine_server_cpu_s": round(server, 2),
        "engine_rows_per_s": round(count / seconds),
    }


def _drop(engine: str, url: str) -> None:
    from django.db import connections

    connections.close_all()
    if engine == "sqlite":
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if engine == "postgres":
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _one(
    engine: str, url: str | None, evses: int, seed: int, profile: bool, keep: bool, label: str
) -> None:
    """Load one size in this process (a fresh Django per database) and print its figures."""
    database = _database(engine, url, evses, label)
    os.environ["KUBAT_DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubat.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    figures = load(evses, seed, profile)
    figures |= engine_write()
    figures["ratio"] = round(figures["kubat_s"] / figures["engine_s"], 2)
    figures["write_ratio"] = round(figures["write_s"] / figures["engine_s"], 2)
    print(file=sys.stderr)
    if not keep:
        _drop(engine, database)
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="PostgreSQL server and base name")
    parser.add_argument("--evses", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the write (stderr)")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--label", default="", help="suffix of the bench database's name")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        (evses,) = args.evses
        _one(args.engine, args.database_url, evses, args.seed, args.profile, args.keep, args.label)
        return
    results = []
    for evses in args.evses:  # one process per size: each its own database and Django
        command = [sys.executable, __file__, "--one", "--engine", args.engine]
        command += ["--evses", str(evses), "--seed", str(args.seed)]
        command += ["--database-url", args.database_url] if args.database_url else []
        command += ["--profile"] * args.profile + ["--keep"] * args.keep
        command += ["--label", args.label] if args.label else []
        done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), file=sys.stderr)  # each size as it is done
    target = 60 if args.engine == "postgres" else 120
    print(
        json.dumps(
            {
                "bench": "bulk_load",
                "engine": args.engine,
                "target_s_per_1m_evses": target,
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "sizes": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
