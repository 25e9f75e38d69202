"""The bulk loader writes its child rows with plain INSERTs (kubat.core.bulk), not the ORM: what
it stores must be what the one-by-one write path stores for the same location."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.db.models import Model

from kubat.core import bulk
from kubat.core.errors import InvalidInput
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.protocols.ocpi.v2_3_0 import locations as ocpi_230
from kubat.registry import bulk_sql, services
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


# Keys, the party and the moments of the write differ between two writes of the same object.
_NOT_COMPARED = {"id", "party", "location", "evse", "created_at", "status_updated_at"}


def _row(model: type[Model], row: Model) -> dict[str, Any]:
    return {
        field.name: getattr(row, field.attname)
        for field in model._meta.concrete_fields
        if field.name not in _NOT_COMPARED
    }


def _columns(location: Location) -> dict[str, Any]:
    """Every column of a location, its EVSEs and their connectors, as the ORM reads them."""
    evses = EVSE.objects.filter(location=location).order_by("pk")
    return {
        "location": _row(Location, Location.objects.get(pk=location.pk)),
        "evses": [_row(EVSE, e) for e in evses],
        "connectors": [
            _row(Connector, c)
            for c in Connector.objects.filter(evse__location=location).order_by("pk")
        ],
    }


def _full(party: str, *, publish: bool, v230: bool) -> dict[str, Any]:
    """A location with every optional field set (2.3.0's too when `v230`), milliseconds in its
    timestamps, a connector without max_electric_power (power from V × A) and one of each
    status the derivations tell apart."""
    image = {"url": "https://example.org/a.png", "category": "CHARGER", "type": "png"}
    business = {"name": "Operator", "website": "https://example.org", "logo": image}
    plain = f.connector("2", "IEC_62196_T2", kw=22)
    plain["max_electric_power"] = None
    plain["power_type"] = "AC_1_PHASE"
    dc = f.connector("1", "CHADEMO", kw=50)
    dc |= {"tariff_ids": ["T1"], "terms_and_conditions": "https://example.org/terms"}
    dc["last_updated"] = "2026-10-01T12:00:00.123Z"
    if v230:
        dc["capabilities"] = ["ISO_15118_2_PLUG_AND_CHARGE"]
    evse = f.evse("E-1", dc, plain, status="CHARGING", evse_id="KG*TST*E1")
    evse |= {
        "status_schedule": [
            {"period_begin": "2026-10-02T00:00:00Z", "status": "INOPERATIVE"},
        ],
        "capabilities": ["RFID_READER"],
        "floor_level": "-1",
        "coordinates": {"latitude": "42.874600", "longitude": "74.569800"},
        "physical_reference": "P1",
        "directions": [{"language": "en", "text": "left"}],
        "parking_restrictions": ["EV_ONLY"],
        "images": [image],
        "last_updated": "2026-10-01T12:00:00.5Z",
    }
    if v230:
        evse |= {
            "parking": [{"parking_id": "P1", "evse_position": "LEFT"}],
            "accepted_service_providers": ["KG*EMP"],
        }
    planned = f.evse("E-2", f.connector("1", "GBT_DC", kw=180), status="PLANNED")
    removed = f.evse("E-3", f.connector("1", "GBT_DC", kw=90), status="REMOVED")
    data = f.location_data(
        party,
        "FULL-1",
        publish=publish,
        evses=[evse, planned, removed],
        postal_code="720001",
        state="Chuy",
        related_locations=[
            {
                "latitude": "42.874700",
                "longitude": "74.569900",
                "name": {"language": "en", "text": "Gate"},
            }
        ],
        parking_type="ON_STREET",
        directions=[{"language": "en", "text": "behind the mall"}],
        operator=business,
        suboperator={"name": "Sub"},
        owner={"name": "Owner"},
        facilities=["HOTEL", "RESTAURANT"],
        opening_times={
            "twentyfourseven": False,
            "regular_hours": [{"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}],
            "exceptional_closings": [
                {"period_begin": "2026-12-31T00:00:00Z", "period_end": "2027-01-01T00:00:00Z"}
            ],
        },
        charging_when_closed=False,
        images=[image],
        energy_mix={
            "is_green_energy": True,
            "energy_sources": [{"source": "SOLAR", "percentage": 60.5}],
            "supplier_name": "Green",
        },
        last_updated="2026-10-01T12:00:00.250Z",
    )
    if not publish:
        data["publish_allowed_to"] = [{"uid": "TOKEN1", "type": "RFID"}]
    if v230:
        data["help_phone"] = "+996555000000"
        data["parking_places"] = [
            {
                "id": "P1",
                "vehicle_types": ["PERSONAL_VEHICLE"],
                "restricted_to_type": False,
                "reservation_required": False,
            }
        ]
    return data


@pytest.mark.parametrize("publish", [True, False])
@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_bulk_loaded_columns_equal_the_one_by_one_path_for_every_field(
    publish: bool, version: str
) -> None:
    """Every column of the location, EVSE and connector rows (the wire mapping, which the
    PostgreSQL loader restates in SQL) is what save_location stores for the same object."""
    model = ocpi_230.Location if version == "2.3.0" else ocpi.Location
    v230 = version == "2.3.0"
    party = f.party("KG*TST")
    with transaction.atomic():
        (bulk_loaded,) = services.bulk_create_locations(
            items=[(party, model.model_validate(_full("KG*TST", publish=publish, v230=v230)), "")],
            source=Source.IMPORT,
        )
    other = f.party("KG*TWO")
    one_by_one, _ = services.save_location(
        party=other,
        data=model.model_validate(_full("KG*TWO", publish=publish, v230=v230)),
        source=Source.IMPORT,
    )
    loaded, saved = _columns(bulk_loaded), _columns(one_by_one)
    assert loaded == saved
    assert loaded["location"]["opening_times"]["regular_hours"][0]["weekday"] == 1
    assert loaded["connectors"][0]["last_updated"].microsecond == 123000
    assert (loaded["location"]["help_phone"] != "") == v230
    assert loaded["evses"][0]["max_power_kw"] == 50.0
    assert loaded["evses"][0]["latitude"] == "42.874600"


def test_the_sql_loader_writes_every_column_of_the_registry_rows() -> None:
    """registry.bulk_sql names a value for each column (a new column must be given one)."""
    for vendor in ("postgresql", "sqlite"):
        written = bulk_sql.columns(vendor)
        for model in (Location, EVSE, Connector):
            keyed = model is not Connector  # a connector's key is the table's own default
            expected = [f.column for f in model._meta.concrete_fields if keyed or f.name != "id"]
            assert sorted(written[model._meta.db_table]) == sorted(expected), model.__name__


def test_insert_rows_refuses_a_name_that_is_not_a_column() -> None:
    with pytest.raises(ValueError, match="concrete field"):
        bulk.insert_rows(Location, columns=["evses"], rows=[])


def _mixed(i: int) -> dict[str, Any]:
    """A location of every kind the derivations tell apart, by i: DC/AC/HPC, power stated or
    from V × A (one or three phases), planned, removed, unpublished, two countries and
    regions, shared and separate grid cells."""
    by_volts = f.connector("1", "GBT_DC", kw=0)  # 750 V × 200 A: exactly the HPC threshold
    three_phase = f.connector("2", "IEC_62196_T2", kw=0)  # 3 × 230 V × 32 A: 22.08 kW
    by_volts["max_electric_power"] = three_phase["max_electric_power"] = None
    plugs = [
        [f.connector("1", "GBT_DC", kw=60), f.connector("2", "IEC_62196_T2_COMBO", kw=180)],
        [f.connector("1", "IEC_62196_T2", kw=22)],
        [f.connector("1", "CHADEMO", kw=50)],
        [by_volts, three_phase, f.connector("3", "CHADEMO", kw=62.5)],
    ][i % 4]
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
