"""OCPI ingest benchmark: EVSE status PATCHes per second against 1,000,000 EVSEs on PostgreSQL.

    .venv/bin/python bench/ocpi_ingest.py --database-url postgresql://postgres@127.0.0.1/kubat_bench

The database must be one of its own (it refuses one holding other locations); apt package `wrk`.

What it does, and why each choice:
1. Migrates the database and loads --evses EVSEs (4 per location, one GB/T DC connector each)
   of party KG*BEN with registry.services.bulk_create_locations, once (a rerun reuses them).
2. Registers an OCPI peer for KG*BEN with a known token (digest stored, as in production).
3. Starts the server as production runs it: gunicorn, --workers (default 2, one per core of the
   reference machine) with the gthread worker and --threads each, so HTTP keep-alive works and a
   worker overlaps its database round trips; access log off, Django warnings off.
4. Measures the ceilings, each for --ceiling-seconds with the same workers and threads: the
   trivial Django endpoint (bench/trivial_django.py: one view, no middleware, no database, on
   a gunicorn of its own, what Django itself serves on this machine), then on Kubat's server
   GET /healthz (Kubat's whole middleware stack, no database) and GET /ocpi/versions (the
   OCPI lane, and one database read for the token, as every OCPI request does). The ratio is
   taken to the fastest of the three (issue 16: at least 50 %), and also given to /healthz.
5. Ingest: wrk (Debian package `wrk`, C and Lua, so the load generator does not eat the
   server's cores) PATCHes random EVSEs' status for --seconds with --connections, counting
   HTTP 200 (accepted), 409 (older than stored) and anything else in Lua.
6. Counts EVSEStatusEvent rows added: every accepted PATCH must have its event. Requests still
   in flight when wrk stops may be committed after wrk stopped counting, so events may exceed
   accepted by at most --connections; fewer events than accepted would be a lost update.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-operator-token"
EVSES_PER_LOCATION = 4
STATUS_LUA = r"""
local threads = {}
local statuses = {"AVAILABLE", "CHARGING", "BLOCKED", "OUTOFORDER", "RESERVED", "INOPERATIVE"}
local locations = __LOCATIONS__
function setup(thread)
  table.insert(threads, thread)
  thread:set("seed", #threads)
end
function init(args)
  accepted, refused, other = 0, 0, 0
  math.randomseed(os.time() * 1000 + seed)
  wrk.method = "PATCH"
  wrk.headers["Authorization"] = "Token __TOKEN__"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  local path = string.format("/ocpi/2.2.1/receiver/locations/KG/BEN/B%07d/%d",
    math.random(0, locations - 1), math.random(1, __PER__))
  local body = string.format('{"status":"%s","last_updated":"%s"}',
    statuses[math.random(1, #statuses)], os.date("!%Y-%m-%dT%H:%M:%SZ"))
  return wrk.format(nil, path, nil, body)
end
function response(status, headers, body)
  if status == 200 then accepted = accepted + 1
  elseif status == 409 then refused = refused + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local a, r, o = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("accepted"); r = r + t:get("refused"); o = o + t:get("other")
  end
  io.write(string.format(
    'RESULT {"accepted":%d,"refused":%d,"other":%d,"requests":%d,"duration_us":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d,"socket_errors":%d}\n',
    a, r, o, summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""
CEILING_LUA = r"""
function init(args)
  wrk.headers["Authorization"] = "Token __TOKEN__"
end
function done(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests":%d,"non_2xx":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d}\n',
    summary.requests, summary.errors.status, summary.duration, latency:percentile(50),
    latency:percentile(95)))
end
"""


def _setup_django(database_url: str) -> None:
    os.environ["KUBAT_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubat.settings")
    import django

    django.setup()


def _location(i: int) -> dict[str, Any]:
    stamp = "2026-01-01T00:00:00Z"
    plug = {
        "id": "1",
        "standard": "GBT_DC",
        "format": "CABLE",
        "power_type": "DC",
        "max_voltage": 750,
        "max_amperage": 80,
        "max_electric_power": 60000,
        "last_updated": stamp,
    }
    return {
        "country_code": "KG",
        "party_id": "BEN",
        "id": f"B{i:07d}",
        "publish": True,
        "address": f"Bench street {i}",
        "city": "Bishkek",
        "country": "KGZ",
        "coordinates": {
            "latitude": f"{42.80 + (i % 1000) * 0.0001:.6f}",
            "longitude": f"{74.50 + (i // 1000 % 1000) * 0.0001:.6f}",
        },
        "evses": [
            {"uid": str(u), "status": "AVAILABLE", "connectors": [plug], "last_updated": stamp}
            for u in range(1, EVSES_PER_LOCATION + 1)
        ],
        "time_zone": "Asia/Bishkek",
        "last_updated": stamp,
    }


def load(*, locations: int, chunk: int = 5000) -> float:
    """Bulk-load the missing bench locations; returns seconds spent (0 when already there)."""
    from django.db import transaction

    from kubat.protocols.ocpi.v2_2_1.locations import Location as OcpiLocation
    from kubat.registry import services
    from kubat.registry.enums import Source
    from kubat.registry.models import Location

    party = services.get_or_create_party(country_code="KG", party_id="BEN", name="Bench CPO")
    have = Location.objects.filter(party=party).count()
    started = time.perf_counter()
    for start in range(have, locations, chunk):
        items = [
            (party, OcpiLocation.model_validate(_location(i)), "Bishkek")
            for i in range(start, min(start + chunk, locations))
        ]
        with transaction.atomic():
            services.bulk_create_locations(items=items, source=Source.IMPORT)
        print(f"loaded {start + len(items)} / {locations} locations", file=sys.stderr)
    return time.perf_counter() - started if have < locations else 0.0


def ensure_peer() -> None:
    from kubat.ocpi.models import Peer
    from kubat.ocpi.services import party_for_key
    from kubat.ocpi.transport import digest

    peer, _ = Peer.objects.update_or_create(
        token_digest=digest(TOKEN), defaults={"name": "bench", "state": Peer.State.REGISTERED}
    )
    peer.parties.add(party_for_key(key="KG*BEN"))


def event_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_evsestatusevent")
        return int(cursor.fetchone()[0])


def start_server(
    *,
    database_url: str,
    port: int,
    workers: int,
    threads: int,
    worker_class: str,
    app: str = "kubat.wsgi:application",
    ready_path: str = "/ocpi/versions",
) -> Any:
    env = {
        **os.environ,
        "KUBAT_DATABASE_URL": database_url,
        "KUBAT_LOG_LEVEL": "ERROR",
        "KUBAT_DEBUG": "0",
        "KUBAT_PUBLIC_RATE_LIMIT": "0",  # one client address, many requests: no anonymous limit
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--chdir",
            str(ROOT / "bench") if app.startswith("trivial_django") else str(ROOT),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--backlog",
            "2048",
            "--log-level",
            "error",
        ],
        env=env,
        cwd=ROOT,
    )
    import urllib.request

    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=1)
            return server
        except OSError as exc:
            if getattr(exc, "code", None) == 401:
                return server
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not start")


def run_wrk(
    *, script: str, url: str, seconds: int, connections: int, threads: int
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        done = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(handle.name)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["per_second"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="A PostgreSQL database.")
    parser.add_argument("--evses", type=int, default=1_000_000)
    parser.add_argument("--port", type=int, default=8540)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
    parser.add_argument("--threads", type=int, default=16, help="threads per gunicorn worker.")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--seconds", type=int, default=60, help="ingest duration.")
    parser.add_argument("--ceiling-seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--wrk-threads", type=int, default=1)
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("--database-url must be PostgreSQL")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (Debian package `wrk`)")
    _setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from kubat.registry.models import Location

    if Location.objects.exclude(party__party_id="BEN").exists():
        raise SystemExit(
            "this database holds other locations: give the benchmark a database of its own "
            "(it adds 250,000 bench locations of party KG*BEN)"
        )
    locations = args.evses // EVSES_PER_LOCATION
    load_seconds = load(locations=locations)
    ensure_peer()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_evse")
        cursor.execute("VACUUM ANALYZE registry_location")
    from kubat.registry.models import EVSE

    evses = EVSE.objects.filter(location__party__party_id="BEN").count()
    connection.close()
    import base64

    token = base64.b64encode(TOKEN.encode()).decode()
    base = f"http://127.0.0.1:{args.port}"
    trivial = start_server(
        database_url=args.database_url,
        port=args.port + 1,
        workers=args.workers,
        threads=args.threads,
        worker_class=args.worker_class,
        app="trivial_django:application",
        ready_path="/",
    )
    try:
        bare = run_wrk(
            script=CEILING_LUA.replace("__TOKEN__", token),
            url=f"http://127.0.0.1:{args.port + 1}/",
            seconds=args.ceiling_seconds,
            connections=args.connections,
            threads=args.wrk_threads,
        )
    finally:
        trivial.terminate()
        trivial.wait(timeout=30)
    server = start_server(
        database_url=args.database_url,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        worker_class=args.worker_class,
    )
    try:
        ceilings = {
            name: run_wrk(
                script=CEILING_LUA.replace("__TOKEN__", token),
                url=f"{base}{path}",
                seconds=args.ceiling_seconds,
                connections=args.connections,
                threads=args.wrk_threads,
            )
            for name, path in (("get_healthz", "/healthz"), ("get_ocpi_versions", "/ocpi/versions"))
        }
        ceilings = {"trivial_django": bare, **ceilings}
        fastest = max(ceilings, key=lambda name: ceilings[name]["per_second"])
        before = event_count()
        connection.close()
        script = (
            STATUS_LUA.replace("__TOKEN__", token)
            .replace("__LOCATIONS__", str(locations))
            .replace("__PER__", str(EVSES_PER_LOCATION))
        )
        load_before = os.getloadavg()[0]
        ingest = run_wrk(
            script=script,
            url=base,
            seconds=args.seconds,
            connections=args.connections,
            threads=args.wrk_threads,
        )
        load_after = os.getloadavg()[0]
        time.sleep(1)  # let requests in flight at wrk's stop commit
        events = event_count() - before
    finally:
        server.terminate()
        server.wait(timeout=30)
    accepted_per_second = ingest["accepted"] / (ingest["duration_us"] / 1e6)
    print(
        json.dumps(
            {
                "evses": evses,
                "load_seconds": round(load_seconds, 1),
                "server": (
                    f"gunicorn {args.worker_class}, {args.workers} workers x {args.threads} threads"
                ),
                "load_generator": f"wrk -t{args.wrk_threads} -c{args.connections} (Lua)",
                "ceilings": ceilings,
                "fastest_trivial_endpoint": fastest,
                "ingest_status_patch": ingest,
                "accepted_per_second": round(accepted_per_second, 1),
                "ratio_to_fastest_trivial": round(
                    accepted_per_second / ceilings[fastest]["per_second"], 3
                ),
                # Against Kubat's own cheapest page (the whole middleware stack, no database):
                # what the OCPI path costs beyond what every Kubat request costs.
                "ratio_to_kubat_healthz": round(
                    accepted_per_second / ceilings["get_healthz"]["per_second"], 3
                ),
                "p50_ms": round(ingest["p50_us"] / 1000, 2),
                "p95_ms": round(ingest["p95_us"] / 1000, 2),
                # The machine's 1-minute load average around the ingest run: other jobs on a
                # shared machine take cores from the server and the figures with them.
                "load_average": [round(load_before, 1), round(load_after, 1)],
                "cpus": os.cpu_count(),
                "events_added": events,
                "lost_updates": max(0, ingest["accepted"] - events),
                "events_minus_accepted": events - ingest["accepted"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
