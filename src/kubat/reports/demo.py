"""Demo drivers' reports, marked source="demo": generated, not real drivers' words.

Runs after the registry and its status history. About one demo location in fifteen gets a
report (most that a point does not work, some that a detail is wrong), some already answered
or fixed by the operator; and one network, KG*ZRD, gets not-working reports at stations its
own status data shows AVAILABLE, so the reliability scorecard shows the contradiction.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from kubat.registry.enums import Source, Status
from kubat.registry.models import Location
from kubat.reports.models import DriverReport, Kind, State

NOT_WORKING = [
    "The screen is dark and the cable does not lock.",
    "Session starts and stops after a minute, error E42.",
    "The GB/T connector is damaged, the pins are bent.",
    "The payment terminal refuses every card.",
]
WRONG_DETAIL = [
    "The station is behind the mall, not at the entrance.",
    "Opening hours on the sign say 08:00–22:00.",
    "There are only two points, not four.",
]
ANSWERS = {
    State.ANSWERED: "Thank you, a technician is on the way.",
    State.FIXED: "The charger was restarted and works again.",
}
CONTRADICTED = "KG*ZRD"


def load_demo(*, seed: int) -> dict[str, int]:
    """Create the demo reports; the caller holds the transaction."""
    rng = random.Random(seed)
    now = timezone.now()
    locations = list(
        Location.objects.filter(source=Source.DEMO, publish=True)
        .select_related("party")
        .prefetch_related("evses")
        .order_by("pk")
    )
    rows: list[DriverReport] = []
    for location in locations:
        evses = [
            e for e in location.evses.all() if e.status not in {Status.PLANNED, Status.REMOVED}
        ]
        if not evses:
            continue
        contradicted = location.party.key == CONTRADICTED and rng.random() < 0.5
        if not contradicted and rng.random() > 1 / 15:
            continue
        kind = Kind.NOT_WORKING if contradicted or rng.random() < 0.75 else Kind.WRONG_DETAIL
        state = (
            State.OPEN if contradicted else rng.choice([State.OPEN, State.ANSWERED, State.FIXED])
        )
        created = now - timedelta(hours=rng.uniform(1, 20))
        rows.append(
            DriverReport(
                location=location,
                evse=rng.choice(evses) if kind == Kind.NOT_WORKING else None,
                kind=kind,
                message=rng.choice(NOT_WORKING if kind == Kind.NOT_WORKING else WRONG_DETAIL),
                state=state,
                answer=ANSWERS.get(state, ""),
                answered_at=created + timedelta(hours=1) if state in ANSWERS else None,
                created_at=created,
                source="demo",
            )
        )
    DriverReport.objects.bulk_create(rows)
    return {"driver_reports": len(rows)}
