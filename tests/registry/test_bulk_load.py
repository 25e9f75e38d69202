"""The bulk loader writes its child rows with plain INSERTs (kubat.core.bulk), not the ORM: what
it stores must be what the one-by-one write path stores for the same location."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from kubat.core import bulk
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import services
from kubat.registry.enums import Source
from kubat.registry.models import Connector, EVSEStatusEvent, Location, SearchPoint
from tests.registry import factories as f

pytestmark = pytest.mark.django_db


def _stored(location: Location) -> dict[str, Any]:
    connectors = Connector.objects.filter(evse__location=location).order_by("pk")
    events = EVSEStatusEvent.objects.filter(evse__location=location).order_by("pk")
    points = SearchPoint.objects.filter(location=location).order_by("code")
    return {
        "connectors": [
            (
                c.evse.uid[-1],
                c.ocpi_id,
                c.standard,
                c.max_electric_power,
                c.tariff_ids,
                c.last_updated,
            )
            for c in connectors
        ],
        "events": [(e.evse.uid[-1], e.status, e.reported_at, e.source) for e in events],
        "points": [(p.code, p.lat, p.lon, p.max_kw) for p in points],
    }


def _data(ocpi_id: str) -> dict[str, Any]:
    dc = f.connector("1", "GBT_DC", kw=120)
    dc["tariff_ids"] = ["DC-1", "DC-2"]
    return f.location_data(
        ocpi_id=ocpi_id,
        evses=[
            f.evse(f"{ocpi_id}-1", dc, f.connector("2", "IEC_62196_T2_COMBO", kw=90)),
            f.evse(f"{ocpi_id}-2", f.connector("1", "IEC_62196_T2", kw=22), status="CHARGING"),
        ],
    )


def test_bulk_loaded_rows_equal_the_rows_of_the_one_by_one_path() -> None:
    party = f.party("KG*TST")
    with transaction.atomic():
        (bulk_loaded,) = services.bulk_create_locations(
            items=[(party, ocpi.Location.model_validate(_data("B1")), "")], source=Source.API
        )
    one_by_one = f.save(_data("S1"), source=Source.API)

    assert _stored(bulk_loaded) == _stored(one_by_one)
    assert _stored(bulk_loaded)["connectors"][0][4] == ["DC-1", "DC-2"]


def test_insert_rows_refuses_a_name_that_is_not_a_column() -> None:
    with pytest.raises(ValueError, match="concrete field"):
        bulk.insert_rows(Location, columns=["evses"], rows=[])
