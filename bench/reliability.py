"""Reliability at national scale: status rollups for a month of status history on PostgreSQL.

    .venv/bin/python bench/reliability.py \
        --database-url postgresql://postgres@127.0.0.1:5432/kubat_reliability \
        [--evses 100000] [--events 30000000]

Creates its own database (the URL's name + `_bench`, dropped and made afresh), then:
1. loads --evses EVSEs (2 per location; operators KG*B00… and KZ*B00…, a third of the EVSEs
   rapid at 60 kW, the rest 22 kW AC; 24/7 locations in Asia/Bishkek and Asia/Almaty) through
   registry.services.bulk_create_locations, the registry's own bulk path;
2. generates --events status events for November 2026 set-based in SQL (INSERT … SELECT from
   generate_series, in time order so ids follow time as they do in production; every EVSE
   reports at a regular interval with jitter; statuses drawn 55 % AVAILABLE, 28 % CHARGING,
   2 % RESERVED, 5 % UNKNOWN, 3 % BLOCKED, 4 % OUTOFORDER, 3 % INOPERATIVE);
3. folds them (all, or --fold-events) into the rollups with registry.rollups.fold_status_events
   (the set-based SQL fold of registry.rollup_sql) in batches of --batch-size, and times it:
   events folded per second is the ingest rate the rollup keeps up with; the last 120,000
   events (a minute of national ingest at 2,000 events/s, what the worker folds each minute)
   are folded and timed on their own in one batch, onto rollups that already hold the rest;
4. times every operator's monthly and yearly reliability from the rollups
   (registry.reliability.reliability_by, group="party"), and the rapid networks' figures,
   median of --repeat runs, warm.

Prints one JSON object, with the machine's load average before and after the fold (the
machine is shared: report the load with the figures).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any

MONTH_START = datetime(2026, 11, 1, tzinfo=UTC)
MONTH_SECONDS = 30 * 86400
EVSES_PER_LOCATION = 2
OPERATORS_PER_COUNTRY = 25


def _setup(url: str, *, reuse: bool) -> str:
    import psycopg

    base, _, name = url.rpartition("/")
    name = f"{name}_bench"
    if not reuse:
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


def _plug(kw: int) -> dict[str, Any]:
    dc = kw >= 50
    return {
        "id": "1",
        "standard": "GBT_DC" if dc else "IEC_62196_T2",
        "format": "CABLE" if dc else "SOCKET",
        "power_type": "DC" if dc else "AC_3_PHASE",
        "max_voltage": 750 if dc else 400,
        "max_amperage": 80 if dc else 32,
        "max_electric_power": kw * 1000,
        "last_updated": "2026-10-31T23:00:00Z",
    }


def _location(i: int, cc: str, party_id: str) -> dict[str, Any]:
    stamp = "2026-10-31T23:00:00Z"
    kg = cc == "KG"
    return {
        "country_code": cc,
        "party_id": party_id,
        "id": f"R{i:07d}",
        "publish": True,
        "address": f"Bench street {i}",
        "city": "Bishkek" if kg else "Almaty",
        "country": "KGZ" if kg else "KAZ",
        "coordinates": {
            "latitude": f"{(42.80 if kg else 43.20) + (i % 1000) * 0.0001:.6f}",
            "longitude": f"{(74.50 if kg else 76.80) + (i // 1000 % 1000) * 0.0001:.6f}",
        },
        "evses": [
            {
                "uid": str(u),
                "status": "AVAILABLE",
                "connectors": [_plug(60 if (i * EVSES_PER_LOCATION + u) % 3 == 0 else 22)],
                "last_updated": stamp,
            }
            for u in range(1, EVSES_PER_LOCATION + 1)
        ],
        "time_zone": "Asia/Bishkek" if kg else "Asia/Almaty",
        "opening_times": {"twentyfourseven": True},
        "last_updated": stamp,
    }


def load(evses: int, chunk: int = 5000) -> float:
    from django.db import transaction

    from kubat.protocols.ocpi.v2_2_1.locations import Location as OcpiLocation
    from kubat.registry import services
    from kubat.registry.enums import Source

    parties = [
        services.get_or_create_party(country_code=cc, party_id=f"B{n:02d}", name=f"Bench {cc} {n}")
        for cc in ("KG", "KZ")
        for n in range(OPERATORS_PER_COUNTRY)
    ]
    locations = evses // EVSES_PER_LOCATION
    started = time.perf_counter()
    for start in range(0, locations, chunk):
        items = []
        for i in range(start, min(start + chunk, locations)):
            party = parties[i % len(parties)]
            data = _location(i, party.country_code, party.party_id)
            items.append((party, OcpiLocation.model_validate(data), "Bench region"))
        with transaction.atomic():
            services.bulk_create_locations(items=items, source=Source.IMPORT)
        print(f"loaded {start + len(items)} / {locations} locations", file=sys.stderr)
    return time.perf_counter() - started


def generate_events(evses: int, events: int, steps_per_statement: int = 10) -> float:
    """`events` events over the month, set-based: each EVSE reports every MONTH_SECONDS / k."""
    from django.db import connection

    per_evse = max(1, events // evses)
    step = MONTH_SECONDS / per_evse
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for first in range(0, per_evse, steps_per_statement):
            last = min(per_evse, first + steps_per_statement) - 1
            cursor.execute(
                """
                INSERT INTO registry_evsestatusevent
                    (evse_id, status, reported_at, received_at, source)
                SELECT e.id, s.status, s.at, s.at + interval '1 second', 'ocpi'
                FROM generate_series(%(first)s, %(last)s) g
                CROSS JOIN registry_evse e
                CROSS JOIN LATERAL (
                    SELECT %(start)s::timestamptz
                           + make_interval(secs => g * %(step)s + random() * %(step)s * 0.9) AS at,
                           CASE WHEN r < 0.55 THEN 'AVAILABLE' WHEN r < 0.83 THEN 'CHARGING'
                                WHEN r < 0.85 THEN 'RESERVED' WHEN r < 0.90 THEN 'UNKNOWN'
                                WHEN r < 0.93 THEN 'BLOCKED' WHEN r < 0.97 THEN 'OUTOFORDER'
                                ELSE 'INOPERATIVE' END AS status
                    FROM (SELECT random() AS r, e.id AS dummy) x
                ) s
                ORDER BY s.at
                """,
                {"first": first, "last": last, "start": MONTH_START, "step": step},
            )
            print(f"events: steps {last + 1} / {per_evse}", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_evsestatusevent")
    return time.perf_counter() - started


def _empty_rollups() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE registry_evsestatusday, registry_evsestatusmonth, "
            "registry_evsestatuscursor, registry_statusrollupmark"
        )


def _median_seconds(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--evses", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=30_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=200_000,
        help="Events per fold transaction while catching up (the worker's default is smaller).",
    )
    parser.add_argument(
        "--fold-events",
        type=int,
        default=0,
        help="Fold only the first N events (0: all), when the whole month would take too long.",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the database a previous run generated; fold again from empty rollups.",
    )
    args = parser.parse_args()

    url = _setup(args.database_url, reuse=args.reuse)
    if args.reuse:
        load_s = gen_s = 0.0
        _empty_rollups()
    else:
        load_s = load(args.evses)
        gen_s = generate_events(args.evses, args.events)

    from django.db import connection

    from kubat.registry import reliability, rollups
    from kubat.registry.models import EVSEStatusDay, EVSEStatusEvent, EVSEStatusMonth

    total_events = EVSEStatusEvent.objects.count()
    fold_target = min(total_events, args.fold_events or total_events)
    # The last minute of national ingest at 2,000 events/s (120,000 events) is folded on its
    # own at the end, in one batch, onto rollups that already hold the month before it.
    minute_events = min(120_000, fold_target // 2)
    load_before = os.getloadavg()
    started = time.perf_counter()
    folded = 0
    while folded < fold_target - minute_events:
        step = rollups.fold_status_events(
            batch_size=min(args.batch_size, fold_target - minute_events - folded), max_batches=1
        )
        if not step:
            break
        folded += step
        rate = folded / (time.perf_counter() - started)
        print(
            f"{time.strftime('%H:%M:%S')} folded {folded} / {fold_target} ({rate:.0f}/s)",
            file=sys.stderr,
        )
    started_minute = time.perf_counter()
    minute_folded = rollups.fold_status_events(batch_size=minute_events, max_batches=1)
    minute_s = time.perf_counter() - started_minute
    folded += minute_folded
    fold_s = time.perf_counter() - started
    load_after = os.getloadavg()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_evsestatusday")
        cursor.execute("ANALYZE registry_evsestatusmonth")

    month = reliability.Period(2026, 11)
    year = reliability.Period(2026)
    figures = reliability.reliability_by(period=month, group="party")
    # A month folded in one go leaves every month row updated many times over, faster than
    # autovacuum keeps up with on a loaded machine: timed as left, then after a VACUUM (what
    # autovacuum does in steady state, when each row changes once a minute).
    unvacuumed_s = _median_seconds(
        lambda: reliability.reliability_by(period=month, group="party"), args.repeat
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_evsestatusmonth")
        cursor.execute("VACUUM ANALYZE registry_evsestatusday")
    monthly_s = _median_seconds(
        lambda: reliability.reliability_by(period=month, group="party"), args.repeat
    )
    yearly_s = _median_seconds(
        lambda: reliability.reliability_by(period=year, group="party"), args.repeat
    )
    rapid_s = _median_seconds(
        lambda: reliability.reliability_by(period=month, group="party", rapid_min_kw=50),
        args.repeat,
    )
    national = reliability.reliability_by(period=month, group="country")
    print(
        json.dumps(
            {
                "bench": "reliability",
                "database": url.rpartition("@")[2],
                "evses": args.evses,
                "events": total_events,
                "operators": len(figures),
                "rollup_day_rows": EVSEStatusDay.objects.count(),
                "rollup_month_rows": EVSEStatusMonth.objects.count(),
                "load_seconds": round(load_s, 1),
                "generate_events_seconds": round(gen_s, 1),
                "fold_seconds": round(fold_s, 1),
                "fold_events_per_second": round(folded / fold_s) if fold_s else None,
                "events_folded": folded,
                "fold_batch_size": args.batch_size,
                "last_minute_events": minute_folded,
                "last_minute_fold_seconds": round(minute_s, 2),
                "last_minute_events_per_second": round(minute_folded / minute_s)
                if minute_s
                else None,
                "load_average_before_fold": [round(x, 2) for x in load_before],
                "load_average_after_fold": [round(x, 2) for x in load_after],
                "every_operator_monthly_seconds_before_vacuum": round(unvacuumed_s, 4),
                "every_operator_monthly_seconds": round(monthly_s, 4),
                "every_operator_yearly_seconds": round(yearly_s, 4),
                "every_operator_rapid_monthly_seconds": round(rapid_s, 4),
                "national": {
                    cc: {
                        k: (round(v, 4) if isinstance(v, float) else v)
                        for k, v in r.as_dict().items()
                    }
                    for (cc,), r in national.items()
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
