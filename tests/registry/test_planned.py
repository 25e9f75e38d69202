"""A planned station (every EVSE PLANNED, e.g. commissioned from a permit) becomes a public one
with its first status report in service, and goes back to the pipeline if it is planned again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from kubat.protocols.ocpi.v2_2_1.locations import Location as OcpiLocation
from kubat.registry import publicity, selectors, services
from kubat.registry.models import Location
from tests.ocpi.factories import evse, location

pytestmark = pytest.mark.django_db(transaction=True)


def _counted() -> tuple[int, int]:
    stats = selectors.national_stats(country_code="KG")
    return int(stats["locations"]), int(stats["planned_locations"])  # type: ignore[call-overload]


def test_a_planned_station_turns_public_with_its_first_report_and_back() -> None:
    party = services.get_or_create_party(country_code="KG", party_id="ABC")
    data = location(evses=[evse("1", status="PLANNED"), evse("2", status="PLANNED")])
    with transaction.atomic():
        services.save_location(party=party, data=OcpiLocation.model_validate(data), source="permit")
    assert _counted() == (0, 1)
    now = datetime.now(UTC)
    services.record_evse_status(
        party=party, location_id="BSK1", evse_uid="1", status="AVAILABLE", at=now, source="ocpi"
    )
    stored = Location.objects.get()
    assert stored.evse_count == 1
    assert publicity.of(stored) == publicity.Publicity.PUBLIC
    assert _counted() == (1, 0)
    services.record_evse_status(
        party=party,
        location_id="BSK1",
        evse_uid="1",
        status="PLANNED",
        at=now + timedelta(seconds=1),
        source="ocpi",
    )
    assert publicity.of(Location.objects.get()) == publicity.Publicity.PLANNED
    assert _counted() == (0, 1)
    maintained = _counted()
    services.rebuild_derived()
    assert _counted() == maintained
