"""OCPI demo data: status history for demo EVSEs, marked demo, same seed same data."""

from __future__ import annotations

import pytest

from kubat.ocpi.demo import load_demo
from kubat.protocols.ocpi.v2_2_1.locations import Location as OcpiLocation
from kubat.registry import services
from kubat.registry.models import EVSEStatusEvent
from tests.ocpi.factories import location

pytestmark = pytest.mark.django_db


def test_demo_status_history_is_marked_and_deterministic() -> None:
    party = services.get_or_create_party(country_code="KG", party_id="ABC")
    data = OcpiLocation.model_validate(location())
    services.bulk_create_locations(items=[(party, data, "")], source="demo")
    EVSEStatusEvent.objects.all().delete()  # the EVSEs' first statuses: not the generated day
    first = load_demo(seed=7)
    statuses = list(EVSEStatusEvent.objects.order_by("pk").values_list("evse_id", "status"))
    EVSEStatusEvent.objects.all().delete()
    assert load_demo(seed=7) == first
    assert list(EVSEStatusEvent.objects.order_by("pk").values_list("evse_id", "status")) == (
        statuses
    )
    assert first["status_events"] >= 4
    assert set(EVSEStatusEvent.objects.values_list("source", flat=True)) == {"demo"}
