"""Demo status history: a day of generated EVSE status reports for the demo registry.

Every event is marked source="demo". Deterministic for a seed. Statuses follow a plausible day
(mostly AVAILABLE, CHARGING in the day, a few out of order), an assumption, not measured data.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from kubat.registry.enums import Source, Status
from kubat.registry.models import EVSE, EVSEStatusEvent

REPORTS_PER_EVSE = (2, 8)


def load_demo(*, seed: int) -> dict[str, int]:
    """Append 2 to 8 status reports over the last 24 hours for each demo EVSE."""
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    weights = {Status.AVAILABLE: 60, Status.CHARGING: 30, Status.OUTOFORDER: 5, Status.BLOCKED: 5}
    events = []
    evses = EVSE.objects.filter(location__source=Source.DEMO).exclude(status=Status.REMOVED)
    for pk in evses.order_by("pk").values_list("pk", flat=True):
        minutes = sorted(rng.sample(range(24 * 60), rng.randint(*REPORTS_PER_EVSE)))
        for minute in minutes:
            at = now - timedelta(minutes=24 * 60 - minute)
            status = rng.choices(list(weights), weights=list(weights.values()))[0]
            events.append(
                EVSEStatusEvent(
                    evse_id=pk, status=status, reported_at=at, received_at=at, source=Source.DEMO
                )
            )
    EVSEStatusEvent.objects.bulk_create(events, batch_size=5000)
    return {"status_events": len(events)}
