"""Where a declaration's time goes: CPU and queries per declaration, stage by stage.

The rush (bench/quota_rush.py) measures latency under 200 clients; this says what each
declaration costs the server, one process and one thread, on PostgreSQL, so that a change can be
judged apart from the machine's load. Stages:

- `receipt`: N declarations registered as the API registers them (one transaction each: role,
  period rules, customs post, declarant, request, vehicles, audit), as a window's receipts are;
- `settlement`: one settlement of all of them (what the balance lock's holder does);
- `answer`: their answers read and rendered to JSON as the API sends them;
- `http`: declarations end to end through Django's test client (middleware, auth, ninja),
  each in a window of its own (a 1 ms window), so its settlement and answer are included.

For each stage: CPU ms per declaration and per VIN (`time.process_time`, so the wait for a
window costs nothing), round trips per declaration (counted with an execute wrapper), the
functions with the most cumulative CPU (cProfile), and for the receipt the plan and execution
time of each distinct SELECT (`EXPLAIN ANALYZE`). `pg_stat_statements` is read when the server
has it loaded. Prints JSON.

    .venv/bin/python bench/quota_profile.py --database-url postgresql://postgres@127.0.0.1:5432/kubat_quotas_bench
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POSTS = ("41702010", "41702020", "41703010", "41704010")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "KUBAT_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/kubat_quotas_bench"
        ),
    )
    parser.add_argument("--declarations", type=int, default=100)
    parser.add_argument("--http-declarations", type=int, default=30)
    parser.add_argument("--vins-per-declaration", type=int, default=26)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="list the functions with the most CPU (cProfile; it inflates the CPU figures)",
    )
    parser.add_argument("--top", type=int, default=25, help="functions listed per stage")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


class QueryCounter:
    """Counts round trips (and keeps each distinct SQL's first parameters) via execute_wrapper."""

    def __init__(self) -> None:
        self.count = 0
        self.first: dict[str, Any] = {}
        self.shapes: Counter[str] = Counter()

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any):
        self.count += 1
        self.shapes[sql[:60]] += 1
        self.first.setdefault(sql, params)
        return execute(sql, params, many, ctx)


@contextmanager
def measured(
    name: str, results: dict[str, Any], *, units: int, vins: int, top: int, profiling: bool
) -> Iterator[QueryCounter]:
    from django.db import connection

    counter = QueryCounter()
    profile = cProfile.Profile(time.process_time)
    backend = backend_pid()
    with connection.execute_wrapper(counter):
        database = backend_cpu(backend)
        cpu = time.process_time()
        if profiling:
            profile.enable()
        yield counter
        if profiling:
            profile.disable()
        cpu = time.process_time() - cpu
        database = backend_cpu(backend) - database
    text = io.StringIO()
    if profiling:
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(top)
    results[name] = {
        "declarations": units,
        "vins": vins,
        "cpu_ms_per_declaration": round(1000 * cpu / max(1, units), 2),
        "cpu_ms_per_vin": round(1000 * cpu / max(1, vins), 3),
        # The PostgreSQL backend serving this connection (PostgreSQL on this machine, /proc).
        "database_cpu_ms_per_declaration": round(1000 * database / max(1, units), 2),
        "queries_per_declaration": round(counter.count / max(1, units), 2),
        "queries": dict(counter.shapes.most_common(20)),
        "profile": [line for line in text.getvalue().splitlines() if line.strip()][: top + 8],
    }


def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid: int = cursor.fetchone()[0]
    return pid


def backend_cpu(pid: int) -> float:
    """User + system CPU seconds of a PostgreSQL backend (0 when /proc does not show it)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def explain(counter: QueryCounter) -> list[dict[str, Any]]:
    """EXPLAIN ANALYZE of each distinct SELECT the stage ran (in a transaction rolled back)."""
    from django.db import connection, transaction

    plans = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql, params in counter.first.items():
                if not sql.lstrip().upper().startswith("SELECT") or "FOR UPDATE" in sql:
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                lines = [row[0] for row in cursor.fetchall()]
                plans.append({"sql": sql[:300], "plan": lines[:12]})
        transaction.set_rollback(True)
    return plans


def pg_stat_statements() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_preload_libraries")
        preload = cursor.fetchone()[0]
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements'")
        available = cursor.fetchone() is not None
    return {"available": available, "loaded": "pg_stat_statements" in preload}


def declaration_body(*, period_id: int, serial: int, vins: list[str], run: int) -> dict[str, Any]:
    today = time.strftime("%d%m%y", time.gmtime(time.time() + 6 * 3600))
    return {
        "period": period_id,
        "number": f"{POSTS[serial % len(POSTS)]}/{today}/{run:03d}{serial:04d}",
        "declarant": {
            "kind": "person",
            "tax_id": f"201011990{serial:05d}",
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
            for v in vins
        ],
    }


def _validated_render(api: Any) -> Callable[[dict[str, Any]], bytes]:
    """How the code before this profile's changes rendered an answer: validated by ninja's
    output schema, then encoded (so that the same harness measures both trees)."""
    from ninja.responses import NinjaJSONEncoder

    def render(answer: dict[str, Any]) -> bytes:
        checked = api.ApplicationOut.model_validate(answer).model_dump()
        return json.dumps(checked, cls=NinjaJSONEncoder).encode()

    return render


def make_period(*, window_ms: int, volume: int, run: str) -> Any:
    from django.utils import timezone

    from kubat.quotas import services
    from kubat.quotas.models import CustomsPost

    for code in POSTS:
        CustomsPost.objects.get_or_create(
            code=code, defaults={"country_code": "KG", "name": f"bench post {code}"}
        )
    return services.create_period(
        country_code="KG",
        year=2026,
        name=f"Quota profile {run} {window_ms}ms",
        volume=volume,
        opens_at=timezone.now() - dt.timedelta(seconds=1),
        closes_at=timezone.now() + dt.timedelta(days=1),
        powertrains=["BEV", "EREV"],
        declarant_kinds=["person", "company"],
        allocation_window_ms=window_ms,
        tie_break_seed=f"profile-{run}",
        note="bench/quota_profile.py",
    )


def main() -> None:
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the profile runs on PostgreSQL (--database-url)")
    os.environ["KUBAT_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubat.settings")
    os.environ.setdefault("KUBAT_LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from kubat.accounts import services as account_services
    from kubat.accounts.roles import Role
    from kubat.fleet.demo import demo_vin
    from kubat.quotas import allocation, api, declarations
    from kubat.quotas.enums import Channel

    call_command("migrate", verbosity=0)
    run = str(int(time.time()))
    rng = random.Random(f"{args.seed}-{run}")
    n, per = args.declarations, args.vins_per_declaration
    vins = [
        demo_vin(wmi="LGX", rng=rng, model_year=2026, serial=i)
        for i in range((n + args.http_declarations) * per)
    ]
    user = get_user_model().objects.create_user(f"profile-{run}")
    account_services.grant_role(user=user, role=Role.CUSTOMS)
    token = account_services.issue_token(user=user, name="quota profile")
    results: dict[str, Any] = {"config": vars(args), "pg_stat_statements": pg_stat_statements()}

    # Receipts, settlement and answers of one big window (the rush's shape), stage by stage.
    period = make_period(window_ms=60_000, volume=(n * per * 3) // 4, run=run)
    bodies = [
        declaration_body(
            period_id=period.pk, serial=i, vins=vins[i * per : (i + 1) * per], run=int(run) % 1000
        )
        for i in range(n)
    ]
    payloads = [api.DeclarationIn.model_validate(b) for b in bodies]
    received = []
    render = getattr(api, "render_answer", None) or _validated_render(api)
    with measured(
        "receipt", results, units=n, vins=n * per, top=args.top, profiling=args.profile
    ) as counter:
        for payload in payloads:
            with transaction.atomic():
                received.append(
                    declarations.register_declaration(
                        user=user,
                        period_id=payload.period,
                        number=payload.number,
                        declarant=api._declarant(payload.declarant),
                        vehicles=api._vehicles(payload.vehicles),
                        channel=Channel.API,
                    )
                )
    results["receipt"]["explain"] = explain(counter)
    with (
        measured(
            "settlement", results, units=n, vins=n * per, top=args.top, profiling=args.profile
        ),
        transaction.atomic(),
    ):
        allocation.settle_due(period_id=period.pk, now=timezone.now() + dt.timedelta(minutes=2))
    with measured("answer", results, units=n, vins=n * per, top=args.top, profiling=args.profile):
        answers = api.decided_answers([r.pk for r in received])
        size = sum(len(render(a)) for a in answers.values())
    results["answer"]["bytes_per_declaration"] = size // max(1, n)

    # End to end, each declaration alone in its window.
    alone = make_period(window_ms=1, volume=10**6, run=run)
    client = Client(SERVER_NAME="127.0.0.1")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    offset = n * per
    http_bodies = [
        json.dumps(
            declaration_body(
                period_id=alone.pk,
                serial=n + i,
                vins=vins[offset + i * per : offset + (i + 1) * per],
                run=int(run) % 1000,
            )
        )
        for i in range(args.http_declarations)
    ]
    # The first request imports the URLconf and every API module: not a declaration's cost.
    client.get("/api/v1/quotas/periods")
    statuses: Counter[int] = Counter()
    k = args.http_declarations
    with measured("http", results, units=k, vins=k * per, top=args.top, profiling=args.profile):
        for text in http_bodies:
            response = client.post(
                "/api/v1/quotas/declarations", text, content_type="application/json", **headers
            )
            statuses[response.status_code] += 1
    results["http"]["statuses"] = dict(statuses)
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
