"""The grid cells behind a dense box's "about N": kept by the write path, equal to a rebuild."""

from collections import Counter

import pytest

from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import services
from kubat.registry.derived import cell_of
from kubat.registry.enums import ANY_STANDARD, STANDARD_CODES, Source
from kubat.registry.models import Location, SearchCell
from tests.registry.factories import connector, evse, location_data, party, save

pytestmark = pytest.mark.django_db


def _cells() -> Counter[tuple[int, int, int]]:
    return Counter(
        {
            (code, y, x): n
            for code, y, x, n in SearchCell.objects.exclude(locations=0).values_list(
                "code", "cell_y", "cell_x", "locations"
            )
        }
    )


def _rebuilt() -> Counter[tuple[int, int, int]]:
    services.rebuild_derived()
    return _cells()


def test_grid_cells_count_each_public_location_once_per_standard_in_its_cell():
    save(
        location_data(
            ocpi_id="A",
            lat=42.875,
            lon=74.57,
            evses=[
                evse("a1", connector("1", "GBT_DC", 60), connector("2", "IEC_62196_T2_COMBO", 60)),
                evse("a2", connector("1", "GBT_DC", 120)),
            ],
        )
    )
    save(location_data(ocpi_id="B", lat=42.876, lon=74.571))  # the same cell, GB/T DC
    save(location_data(ocpi_id="HIDDEN", lat=42.875, lon=74.57, publish=False))
    save(
        location_data(ocpi_id="PLANNED", lat=42.875, lon=74.57, evses=[evse("p", status="PLANNED")])
    )
    y, x = cell_of(42.875, 74.57)
    assert _cells() == Counter(
        {
            (ANY_STANDARD, y, x): 2,
            (STANDARD_CODES["GBT_DC"], y, x): 2,
            (STANDARD_CODES["IEC_62196_T2_COMBO"], y, x): 1,
        }
    )


def test_grid_cells_follow_moves_country_changes_removals_and_deletions_and_equal_a_rebuild():
    owner = party("KG*TST")
    save(location_data(ocpi_id="M", lat=42.80, lon=74.50))
    save(location_data(ocpi_id="N", lat=42.80, lon=74.50))
    save(location_data(ocpi_id="M", lat=43.25, lon=76.90))  # moved
    save(location_data(ocpi_id="N", lat=43.25, lon=76.90, country="KAZ"))  # moved abroad
    save(location_data(ocpi_id="R", lat=41.0, lon=72.0))
    save(location_data(ocpi_id="R", lat=41.0, lon=72.0, evses=[]))  # every EVSE removed
    doomed = save(location_data(ocpi_id="D", lat=40.5, lon=72.8))
    services.delete_location(location=doomed)
    edited = Location.objects.get(party=owner, ocpi_id="M")
    edited.latitude, edited.longitude = "42.500000", "78.400000"
    services.save_edited_location(location=edited)  # the admin moves it again
    maintained = _cells()
    y, x = cell_of(43.25, 76.90)
    assert maintained[(ANY_STANDARD, y, x)] == 1
    assert maintained[(ANY_STANDARD, *cell_of(42.5, 78.4))] == 1
    assert sum(n for (code, _, _), n in maintained.items() if code == ANY_STANDARD) == 2
    assert _rebuilt() == maintained


def test_grid_cells_of_a_bulk_load_equal_a_rebuild():
    owner = party("KG*TST")
    items = [
        (
            owner,
            ocpi.Location.model_validate(
                location_data(ocpi_id=f"B{i}", lat=42.8 + i / 500, lon=74.5 - i / 300)
            ),
            "",
        )
        for i in range(40)
    ]
    services.bulk_create_locations(items=items, source=Source.DEMO)
    maintained = _cells()
    assert sum(n for (code, _, _), n in maintained.items() if code == ANY_STANDARD) == 40
    assert len(maintained) > 10
    assert _rebuilt() == maintained
