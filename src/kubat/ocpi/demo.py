"""Demo status history: a day of generated EVSE status reports for the demo registry.

Every event is marked source="demo". Deterministic for a seed; an assumption, not measured
data. Each EVSE in service reports at 55–95 % of its country profile's freshness limit (a
heartbeat that repeats the status: every 8–14 minutes in Kyrgyzstan, 15 minutes fresh, and
every 5–9 in Kazakhstan, 10 minutes fresh), with a plausible day:
charging sessions of 20–90 minutes, bays blocked for half an hour, reservations, and faults
(OUTOFORDER or INOPERATIVE for 1–12 hours, then repaired to AVAILABLE); about one EVSE in
thirty loses its connection for 2–6 hours, which the reliability figures show as time without
data. The demo registry dates each EVSE's first status just before the day begins
(registry.demo.STATUS_HISTORY), so the reliability figures of the month and the year are the
day's, not months of silence before it. The status rollups are folded at the end.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from kubat.registry import demo as registry_demo
from kubat.registry import rollup_sql, rollups
from kubat.registry import selectors as registry_selectors
from kubat.registry import services as registry_services
from kubat.registry.enums import Source, Status


def _day_of(
    rng: random.Random, start: datetime, end: datetime, *, fresh_minutes: float
) -> list[tuple[str, datetime]]:
    """One EVSE's reports over [start, end): (status, at), a report every 55–95 % of the
    freshness limit."""
    reports: list[tuple[str, datetime]] = []
    status, until = Status.AVAILABLE, start
    silent_from = silent_to = end
    if rng.random() < 1 / 30:
        minutes = int((end - start).total_seconds() // 60)
        silent_from = start + timedelta(minutes=rng.randint(0, max(0, minutes - 360)))
        silent_to = silent_from + timedelta(hours=rng.uniform(2, 6))
    at = start + timedelta(minutes=rng.uniform(0, 0.9 * fresh_minutes))
    while at < end:
        if at >= until:
            roll = rng.random()
            if roll < 0.0025:
                status = rng.choice([Status.OUTOFORDER, Status.OUTOFORDER, Status.INOPERATIVE])
                until = at + timedelta(hours=rng.uniform(1, 12))
            elif roll < 0.012:
                status, until = Status.BLOCKED, at + timedelta(minutes=rng.uniform(20, 40))
            elif roll < 0.016:
                status, until = Status.RESERVED, at + timedelta(minutes=rng.uniform(10, 20))
            elif roll < 0.10:
                status, until = Status.CHARGING, at + timedelta(minutes=rng.uniform(20, 90))
            else:
                status, until = Status.AVAILABLE, at  # a repair or a session's end
        if not silent_from <= at < silent_to:
            reports.append((status, at))
        at += timedelta(minutes=rng.uniform(0.55, 0.95) * fresh_minutes)
    return reports


def load_demo(*, seed: int) -> dict[str, int]:
    """A day of status reports for each demo EVSE in service, through the registry's write
    path (each EVSE ends at its newest report), then folded into the reliability rollups."""
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    start = now - registry_demo.STATUS_HISTORY
    evses = registry_selectors.demo_evses_in_service()
    fresh = {cc: rollup_sql.freshness_of(cc).total_seconds() / 60 for cc in {c for _, c in evses}}
    reports = [
        (pk, status, at)
        for pk, cc in evses
        for status, at in _day_of(rng, start, now, fresh_minutes=fresh[cc])
    ]
    count = registry_services.replay_status_reports(reports=reports, source=Source.DEMO)
    rollups.fold_status_events(lag=timedelta(0))
    rollups.settle_status_rollups(until=now, lag=timedelta(0))
    return {"status_events": count}
