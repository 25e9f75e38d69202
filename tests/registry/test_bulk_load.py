"""The bulk loader writes its child rows with plain INSERTs (kubat.core.bulk), not the ORM: what
it stores must be what the one-by-one write path stores for the same location."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from kubat.core import bulk
from kubat.core.errors import InvalidInput
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.protocols.ocpi.v2_3_0 import locations as ocpi_230
from kubat.registry import services
from kubat.registry.enums import Source
from kubat.registry.models import (
    EVSE,
    Connector,
    EVSEStatusEvent,
    Location,
    SearchPoint,
    StatCounter,
)
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


def _mixed(i: int) -> dict[str, Any]:
    """A location of every kind the derivations tell apart, by i: DC/AC/HPC, planned, removed,
    unpublished, two countries and regions, shared and separate grid cells."""
    plugs = [
        [f.connector("1", "GBT_DC", kw=60), f.connector("2", "IEC_62196_T2_COMBO", kw=180)],
        [f.connector("1", "IEC_62196_T2", kw=22)],
        [f.connector("1", "CHADEMO", kw=50)],
    ][i % 3]
    statuses = ["AVAILABLE", "CHARGING", "PLANNED", "REMOVED", "AVAILABLE"]
    evses = [f.evse(f"E{i}-{e}", *plugs, status=statuses[(i + e) % 5]) for e in range(1 + i % 3)]
    return f.location_data(
        ocpi_id=f"M{i}",
        lat=42.80 + (i % 7) / 40,
        lon=74.50 + (i % 5) / 30,
        country="KAZ" if i % 4 == 0 else "KGZ",
        publish=i % 6 != 5,
        evses=evses,
        state=["Chuy", "Osh", ""][i % 3],
    )


def test_a_bulk_load_equals_a_rebuild() -> None:
    """Counters, grid cells, search points and derived columns written by the bulk loader (in
    several batches, on top of counters a one-by-one write already moved) are exactly what a
    rebuild from the rows computes."""
    f.save(_mixed(1000))
    party = f.party("KG*TST")
    items = [(party, ocpi.Location.model_validate(_mixed(i)), "") for i in range(60)]
    items.append((party, ocpi_230.Location.model_validate(_mixed(60)), "Chuy"))
    with transaction.atomic():
        created = services.bulk_create_locations(items=items, source=Source.IMPORT, batch_size=7)
    assert len(created) == 61
    assert sorted(loc.ocpi_id for loc in created) == sorted(f"M{i}" for i in range(61))
    maintained = f.derived_values()
    assert {d for _, d, _, _ in maintained[0]} >= {
        "evses",
        "planned_evses_by_region",
        "dc_stations_by_region_standards",
        "watts_by_region_class",
    }
    assert len(maintained[1]) > 10
    services.rebuild_derived()
    assert f.derived_values() == maintained


def test_a_bulk_load_that_fails_in_a_later_batch_leaves_nothing() -> None:
    party = f.party("KG*TST")
    before = (Location.objects.count(), EVSE.objects.count(), StatCounter.objects.count())
    items = [(party, ocpi.Location.model_validate(_mixed(i)), "") for i in range(20)]
    stranger = ocpi.Location.model_validate(f.location_data("KZ*XXX", "X1"))
    items.append((party, stranger, ""))
    with pytest.raises(InvalidInput) as refused:
        services.bulk_create_locations(items=items, source=Source.IMPORT, batch_size=5)
    assert refused.value.field == "party_id"
    assert (Location.objects.count(), EVSE.objects.count(), StatCounter.objects.count()) == before
    assert not Connector.objects.exists()
    assert not SearchPoint.objects.exists()
    assert not EVSEStatusEvent.objects.exists()


def test_allocated_keys_are_never_handed_out_twice() -> None:
    """Keys the loader takes up front are past every key the table ever had, even a deleted
    one's; two loads in one transaction take disjoint keys; the ORM's next key is past them."""
    first = f.save(_mixed(1))
    deleted = f.save(_mixed(2))
    deleted_pk = deleted.pk
    services.delete_location(location=deleted)
    owner = f.party("KG*TST")
    with transaction.atomic():
        one = services.bulk_create_locations(
            items=[(owner, ocpi.Location.model_validate(_mixed(i)), "") for i in (3, 4)],
            source=Source.IMPORT,
        )
        two = services.bulk_create_locations(
            items=[(owner, ocpi.Location.model_validate(_mixed(5)), "")], source=Source.IMPORT
        )
    keys = [loc.pk for loc in one + two]
    assert len(set(keys)) == 3
    assert min(keys) > max(first.pk, deleted_pk)
    later = f.save(_mixed(6))
    assert later.pk > max(keys)
    stored = Location.objects.filter(pk__in=keys).values_list("pk", "ocpi_id")
    assert sorted(stored) == sorted((loc.pk, loc.ocpi_id) for loc in one + two)
    evse_keys = list(EVSE.objects.values_list("pk", flat=True))
    assert len(evse_keys) == len(set(evse_keys))
