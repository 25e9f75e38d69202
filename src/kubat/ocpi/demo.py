"""Demo status history: a day of generated EVSE status reports for the demo registry.

Every event is marked source="demo". Deterministic for a seed; an assumption, not measured
data. Each EVSE in service reports every 10 to 14 minutes (a heartbeat that repeats the
status, so the country profile's 15-minute freshness limit holds), with a plausible day:
charging sessions of 20–90 minutes, bays blocked for half an hour, reservations, and faults
(OUTOFORDER or INOPERATIVE for 1–12 hours, then repaired to AVAILABLE); about one EVSE in
thirty loses its connection for 2–6 hours, which the reliability figures show as time without
data. The status rollups are folded at the end, so the reliability pages show the day.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from kubat.registry import rollups
from kubat.registry import selectors as registry_selectors
from kubat.registry import services as registry_services
from kubat.registry.enums import Source, Status

HOURS = 24


def _day_of(rng: random.Random, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
    """One EVSE's reports over [start, end): (status, at)."""
    reports: list[tuple[str, datetime]] = []
    status, until = Status.AVAILABLE, start
    silent_from = silent_to = end
    if rng.random() < 1 / 30:
        silent_from = start + timedelta(minutes=rng.randint(0, HOURS * 60 - 360))
        silent_to = silent_from + timedelta(hours=rng.uniform(2, 6))
    at = start + timedelta(minutes=rng.uniform(0, 10))
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
        at += timedelta(minutes=rng.uniform(10, 14))
    return reports


def load_demo(*, seed: int) -> dict[str, int]:
    """A day of status reports for each demo EVSE in service, through the registry's write
    path (each EVSE ends at its newest report), then folded into the reliability rollups."""
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(hours=HOURS)
    reports = [
        (pk, status, at)
        for pk in registry_selectors.demo_evses_in_service()
        for status, at in _day_of(rng, start, now)
    ]
    count = registry_services.replay_status_reports(reports=reports, source=Source.DEMO)
    rollups.fold_status_events(lag=timedelta(0))
    rollups.settle_status_rollups(until=now, lag=timedelta(0))
    return {"status_events": count}
