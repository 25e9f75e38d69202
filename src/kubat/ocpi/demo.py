"""Demo status history: a day of generated EVSE status reports for the demo registry.

Every event is marked source="demo". Deterministic for a seed. Statuses follow a plausible day
(mostly AVAILABLE, CHARGING in the day, a few out of order), an assumption, not measured data.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from kubat.registry import selectors as registry_selectors
from kubat.registry import services as registry_services
from kubat.registry.enums import Source, Status

REPORTS_PER_EVSE = (2, 8)


def load_demo(*, seed: int) -> dict[str, int]:
    """2 to 8 status reports over the last 24 hours for each demo EVSE in service, through
    the registry's write path, so each EVSE ends at its newest report."""
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    weights = {Status.AVAILABLE: 60, Status.CHARGING: 30, Status.OUTOFORDER: 5, Status.BLOCKED: 5}
    reports = []
    evses = registry_selectors.demo_evses_in_service()
    for pk in evses:
        minutes = sorted(rng.sample(range(24 * 60), rng.randint(*REPORTS_PER_EVSE)))
        for minute in minutes:
            at = now - timedelta(minutes=24 * 60 - minute)
            status = rng.choices(list(weights), weights=list(weights.values()))[0]
            reports.append((pk, status, at))
    count = registry_services.replay_status_reports(reports=reports, source=Source.DEMO)
    return {"status_events": count}
