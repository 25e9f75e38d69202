"""The morning a quota opens: customs posts register declarations at once over HTTP; the
quota is drawn at the declaration and nothing may over-allocate.

Creates a fresh period (default 15,000 units) on PostgreSQL, starts the app under gunicorn
(gthread workers), and lets 200 client threads (http.client, keep-alive, one connection each;
each a customs officer's system at one of four posts) register declarations of 1-50 vehicles,
20,000 new VINs in all, as fast as the server answers. Each answer carries every VIN's decision.
Then it checks, from the database: allocated <= volume, no VIN with two live certificates,
every VIN decided, and the audit log summing to the balance.

Prints JSON: VINs decided per second over the whole rush, decision latency percentiles (ms),
the allocation outcome and the checks. Exit status 1 if a check fails. With `--compare-with
DIR` (a checkout of the code before issue 14, with its own .venv), it first runs that tree's
own benchmark (importers' requests, `POST /applications`) with the same load on a database of
its own, and prints both, so that before and after are measured in one run on one machine.

    .venv/bin/python bench/quota_rush.py --database-url postgresql://postgres@127.0.0.1:5432/kubat_quotas_bench
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POSTS = ("41702010", "41702020", "41703010", "41704010")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "KUBAT_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/kubat_quotas"
        ),
    )
    parser.add_argument("--port", type=int, default=8511)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--vins", type=int, default=20_000)
    parser.add_argument("--volume", type=int, default=15_000)
    parser.add_argument("--max-per-request", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=100, help="gunicorn threads per worker")
    parser.add_argument(
        "--pool",
        type=int,
        default=20,
        help="PostgreSQL connections per worker (psycopg pool); 0 = one per thread",
    )
    parser.add_argument("--window-ms", type=int, default=1000, help="allocation window")
    parser.add_argument("--officers", type=int, default=20, help="customs accounts (tokens)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--compare-with",
        default="",
        help="a checkout of the previous code (with .venv) whose own quota_rush runs first",
    )
    return parser.parse_args()


def setup_django(database_url: str) -> None:
    os.environ["KUBAT_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubat.settings")
    import django

    django.setup()


def prepare(args: argparse.Namespace) -> tuple[int, list[str], list[list[str]]]:
    """Migrate, create the period, broker accounts with tokens, and the requests to send."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from kubat.accounts import services as account_services
    from kubat.accounts.roles import Role
    from kubat.fleet.demo import demo_vin
    from kubat.quotas import services
    from kubat.quotas.models import (
        AuditEvent,
        Certificate,
        CustomsPost,
        Declarant,
        QuotaRequest,
        RequestedVehicle,
    )

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    run = f"{int(time.time())}"
    with transaction.atomic():
        period = services.create_period(
            country_code="KG",
            year=2026,
            name=f"Quota rush bench {run}",
            volume=args.volume,
            opens_at=timezone.now() - dt.timedelta(seconds=1),
            closes_at=timezone.now() + dt.timedelta(days=1),
            powertrains=["BEV", "EREV"],
            declarant_kinds=["person", "company"],
            allocation_window_ms=args.window_ms,
            tie_break_seed=f"bench-{run}",
            note="bench/quota_rush.py",
        )
        for code in POSTS:
            CustomsPost.objects.get_or_create(
                code=code, defaults={"country_code": "KG", "name": f"bench post {code}"}
            )
        tokens = []
        for i in range(args.officers):
            user = get_user_model().objects.create_user(f"bench-{run}-{i}")
            account_services.grant_role(user=user, role=Role.CUSTOMS)
            tokens.append(account_services.issue_token(user=user, name="quota rush"))
    # As autovacuum would have by the morning of a rush: the shared development server runs
    # with autovacuum off, so without this every run on the same database measured the
    # previous runs' dead rows and plans made without statistics (a settlement's vehicles read
    # by a sequential scan of every run's; the database's CPU per declaration grew run by run).
    with connection.cursor() as cursor:
        for model in (QuotaRequest, RequestedVehicle, Certificate, AuditEvent, Declarant):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    # New VINs for every run: the descriptor part is drawn from a generator seeded with the
    # run, so two runs never send the same VIN (which would be refused as already drawn).
    vin_rng = random.Random(f"{args.seed}-{run}")
    vins = [demo_vin(wmi="LGX", rng=vin_rng, model_year=2026, serial=i) for i in range(args.vins)]
    batches, start = [], 0
    while start < len(vins):
        size = rng.randint(1, args.max_per_request)
        batches.append(vins[start : start + size])
        start += size
    return period.pk, tokens, batches


def start_server(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KUBAT_DATABASE_URL": args.database_url,
        "KUBAT_LOG_LEVEL": "ERROR",
        "KUBAT_DATABASE_POOL_MAX": str(args.pool),
        "KUBAT_PUBLIC_RATE_LIMIT": "0",  # one client address, many requests: no anonymous limit
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "kubat.wsgi",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--backlog",
        "2048",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            conn.request("GET", "/api/v1/quotas/periods")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def _cpu_of(pids: set[int] | None = None) -> tuple[dict[int, int], dict[int, tuple[float, float]]]:
    """Parent and (user, system) CPU seconds of every process (Linux /proc), or of `pids`."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, tuple[float, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or (pids is not None and int(entry.name) not in pids):
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) / ticks, int(fields[12]) / ticks)
    return parents, used


def cpu_seconds(root_pid: int) -> tuple[float, float]:
    """User and system CPU of a process tree, to report server CPU per VIN."""
    parents, used = _cpu_of()
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return (
        sum(used.get(pid, (0.0, 0.0))[0] for pid in tree),
        sum(used.get(pid, (0.0, 0.0))[1] for pid in tree),
    )


def database_backends() -> dict[int, float]:
    """CPU seconds so far of the PostgreSQL backends serving the bench's database (the
    server's pool connections; PostgreSQL runs on this machine), our own connection aside."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = {row[0] for row in cursor.fetchall()}
    _parents, used = _cpu_of(pids)
    return {pid: sum(cpu) for pid, cpu in used.items()}


def _free_serial_prefix(today: str) -> int:
    """A 3-digit prefix of today's declaration serials that no declaration in the database has
    yet (the clock's seconds modulo 1,000 were used, and a run 1,000 s after another run or
    bench/quota_profile.py on the same database had 130 declarations refused as registered)."""
    from kubat.quotas.models import QuotaRequest

    numbers = QuotaRequest.objects.filter(declaration_number__contains=f"/{today}/").values_list(
        "declaration_number", flat=True
    )
    taken = {number.rsplit("/", 1)[1][:3] for number in numbers}
    start = int(time.time()) % 1000
    for step in range(1000):
        if f"{(start + step) % 1000:03d}" not in taken:
            return (start + step) % 1000
    raise SystemExit("every serial prefix of today is taken: use a fresh database")


def rush(
    args: argparse.Namespace, period_id: int, tokens: list[str], batches: list[list[str]]
) -> dict[str, Any]:
    work: queue.Queue[bytes] = queue.Queue()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    decisions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(args.clients + 1)
    # The number's date is the registration date in Bishkek (UTC+6); serials are unique per run.
    today = time.strftime("%d%m%y", time.gmtime(time.time() + 6 * 3600))
    run = _free_serial_prefix(today)

    def body(i: int, batch: list[str]) -> bytes:
        return json.dumps(
            {
                "period": period_id,
                "number": f"{POSTS[i % len(POSTS)]}/{today}/{run:03d}{i:04d}",
                # 14-digit KG PIN, distinct per declaration (born 01.01.1990).
                "declarant": {
                    "kind": "person",
                    "tax_id": f"201011990{i:05d}",
                    "citizenship": "KG",
                    "residence_country": "KG",
                },
                "vehicles": [
                    {
                        "vin": v,
                        "make": "BYD",
                        "model": "Atto 3",
                        "powertrain": "BEV",
                        "tariff_code": "8703 80 000 2",
                        "customs_value": "21500",
                        "currency": "USD",
                        "origin_country": "CN",
                    }
                    for v in batch
                ],
            }
        ).encode()

    # The load generator shares the server's two cores: every body is encoded before the rush
    # and every answer decoded after it, so the clients spend their CPU on HTTP only (a customs
    # system runs on a machine of its own). Post i of four by declaration, as a post's officers
    # take turns.
    for i, batch in enumerate(batches):
        work.put(body(i, batch))
    answers: list[bytes] = []

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
        headers = {
            "Authorization": f"Bearer {tokens[n % len(tokens)]}",
            "Content-Type": "application/json",
        }
        start.wait()
        while True:
            try:
                text = work.get_nowait()
            except queue.Empty:
                break
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/quotas/declarations", text, headers)
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
                with lock:
                    statuses[0] += 1
                continue
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                statuses[response.status] += 1
                if response.status == 201:
                    answers.append(payload)
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    client_cpu = time.process_time()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    # This process runs nothing but the client threads meanwhile: their CPU is taken from the
    # two cores the server has.
    client_cpu = time.process_time() - client_cpu
    for payload in answers:
        for v in json.loads(payload)["vehicles"]:
            decisions[v["decision"]] += 1
            reasons[v["reason"]] += 1
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    decided = decisions["allocated"] + decisions["refused"]
    return {
        "wall_s": round(wall, 2),
        "requests": len(batches),
        "http_status": dict(statuses),
        "vins_decided": decided,
        "vins_decided_per_s": round(decided / wall, 1),
        "client_cpu_s": round(client_cpu, 2),
        "client_cpu_ms_per_declaration": round(1000 * client_cpu / max(1, len(latencies)), 2),
        "requests_per_s": round(len(latencies) / wall, 1),
        "latency_ms": {
            "p50": pct(0.50),
            "p95": pct(0.95),
            "p99": pct(0.99),
            "max": pct(1.0),
            "mean": round(1000 * statistics.fmean(ordered), 1) if ordered else None,
        },
        "decisions": dict(decisions),
        "reasons": dict(reasons),
    }


def verify(period_id: int, sent: int) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count

    from kubat.quotas import audit
    from kubat.quotas.models import Certificate, PeriodBalance, QuotaPeriod, RequestedVehicle

    connection.close()  # a fresh connection sees everything the server committed
    period = QuotaPeriod.objects.get(pk=period_id)
    balance = PeriodBalance.objects.get(period_id=period_id)
    live = Certificate.objects.filter(period_id=period_id, status__in=("issued", "cleared"))
    doubles = (
        Certificate.objects.filter(status__in=("issued", "cleared"))
        .values("vin")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    vehicles = RequestedVehicle.objects.filter(request__period_id=period_id)
    from_audit = audit.balance_from_audit(period=period)
    checks = {
        "allocated_le_volume": balance.allocated <= period.volume,
        "certificates_match_balance": live.count() == balance.allocated,
        "no_vin_allocated_twice": doubles == 0,
        "every_vin_decided": vehicles.count() == sent
        and not vehicles.filter(decision="pending").exists(),
        "audit_agrees_with_balance": from_audit["allocated"] == balance.allocated,
        # Demand exceeds the volume and every VIN is new: not one unit may be left unused.
        "no_unit_lost": balance.allocated == min(period.volume, sent),
    }
    return {
        "volume": period.volume,
        "allocated": balance.allocated,
        "remaining": balance.remaining,
        "vins_recorded": vehicles.count(),
        "audit_allocated": from_audit["allocated"],
        "checks": checks,
        "ok": all(checks.values()),
    }


def run_before(args: argparse.Namespace) -> dict[str, Any]:
    """The previous tree's own benchmark, same load, its own database (`<name>_before`)."""
    tree = Path(args.compare_with).resolve()
    url = f"{args.database_url}_before"
    python = str(tree / ".venv" / "bin" / "python")
    subprocess.run(
        [python, str(ROOT / "bench" / "create_database.py"), url], check=True, capture_output=True
    )
    command = [
        python,
        str(tree / "bench" / "quota_rush.py"),
        "--database-url",
        url,
        "--port",
        str(args.port + 1),
        "--clients",
        str(args.clients),
        "--vins",
        str(args.vins),
        "--volume",
        str(args.volume),
        "--max-per-request",
        str(args.max_per_request),
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--pool",
        str(args.pool),
        "--window-ms",
        str(args.window_ms),
        "--seed",
        str(args.seed),
    ]
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=False)
    try:
        before: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"error": done.stderr[-2000:]}
    return before


def main() -> None:
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the rush benchmark needs PostgreSQL (--database-url)")
    before = run_before(args) if args.compare_with else None
    setup_django(args.database_url)
    period_id, tokens, batches = prepare(args)
    server = start_server(args)
    try:
        user_before, system_before = cpu_seconds(server.pid)
        database_before = database_backends()
        load_before = os.getloadavg()[0]
        result = rush(args, period_id, tokens, batches)
        user, system = cpu_seconds(server.pid)
        server_cpu = user + system - user_before - system_before
        database_cpu = sum(
            cpu - database_before.get(pid, 0.0) for pid, cpu in database_backends().items()
        )
        declarations = max(1, result["requests"])
        result["server_cpu_s"] = round(server_cpu, 2)
        result["server_system_cpu_s"] = round(system - system_before, 2)
        result["server_cpu_ms_per_vin"] = round(1000 * server_cpu / max(1, args.vins), 3)
        result["server_cpu_ms_per_declaration"] = round(1000 * server_cpu / declarations, 2)
        # Backends that ended during the rush are missed: a lower bound.
        result["database_cpu_s"] = round(database_cpu, 2)
        result["database_cpu_ms_per_declaration"] = round(1000 * database_cpu / declarations, 2)
        result["load_average_before_after"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    outcome = verify(period_id, sent=sum(len(b) for b in batches))
    report = {
        "benchmark": "quota_rush",
        "config": {
            "clients": args.clients,
            "vins": args.vins,
            "volume": args.volume,
            "vins_per_request": f"1-{args.max_per_request}",
            "gunicorn": f"{args.workers} gthread workers x {args.threads} threads",
            "db_pool_per_worker": args.pool or "off (one connection per thread)",
            "allocation_window_ms": args.window_ms,
            "cpus": os.cpu_count(),
        },
        "rush": result,
        "outcome": outcome,
        "target_vins_decided_per_s": 1000,
        "target_p95_ms": 1500,
        "meets_target": result["vins_decided_per_s"] >= 1000
        and result["latency_ms"]["p95"] is not None
        and result["latency_ms"]["p95"] < 1500,
    }
    if before is not None:
        report["before"] = before
    print(json.dumps(report, indent=2))
    sys.exit(0 if outcome["ok"] else 1)


if __name__ == "__main__":
    main()
