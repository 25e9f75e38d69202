"""The open-data download at scale: plain rows per chunk, the same bytes as the row-by-row
export (docs/open-data.md, "At scale")."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest
from django.test import Client

from kubat.registry import exchange, selectors
from tests.registry.factories import connector, evse, location_data, save
from tests.registry.test_data_package import put_tariff

pytestmark = pytest.mark.django_db

AT = datetime(2026, 12, 1, tzinfo=UTC)


def _registry() -> None:
    """Locations across parties, with hostile text, a removed EVSE, several connectors, a
    priced EVSE, opening hours and facilities: every kind of cell the CSV writes."""
    save(
        location_data(
            "KG*AAA",
            "A1",
            name='=HYPERLINK("x")',
            address="-Chuy 1",
            lon=-74.5698,
            facilities=["HOTEL", "CAFE"],
            opening_times={"twentyfourseven": True},
            operator={"name": "@Op"},
            evses=[
                evse("1", connector("1"), connector("2", "IEC_62196_T2", 22)),
                evse("2", status="REMOVED"),
                evse("3", evse_id="KG*AAA*E3"),
            ],
        )
    )
    dc = connector("1", "GBT_DC", 60) | {"tariff_ids": ["DC"]}
    save(location_data("KG*BBB", "B1", evses=[evse("B-1", dc), evse("B-2", connector("1"))]))
    put_tariff("KG*BBB", "DC", 12.5)
    for n in range(5):
        save(location_data("KG*AAA", f"A{n + 2}", evses=[evse(f"{n}-1")]))
    save(location_data("KG*AAA", "HIDDEN", publish=False))


def test_the_chunked_csv_is_byte_identical_to_the_row_by_row_export(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _registry()
    monkeypatch.setattr(selectors, "EXPORT_CHUNK", 3)  # chunk boundaries inside the data
    by_rows = "".join(exchange.stream_csv(selectors.iter_locations(), generated_at=AT))
    by_chunks = "".join(exchange.stream_csv_chunks(selectors.iter_export_chunks(), generated_at=AT))
    assert by_chunks == by_rows
    rows = list(csv.DictReader(by_rows.splitlines()))
    assert len(rows) == 10  # A1: 2 + 1 connectors (not the removed EVSE's), B1: 2, A2-A6: 5
    assert {r["price_currency"] for r in rows if r["location_id"] == "B1"} == {"KGS", ""}


def test_the_download_is_the_chunked_csv_with_its_filters(client: Client) -> None:
    _registry()
    save(location_data("KZ*CCC", "K1", country="KAZ"))
    response = client.get("/open-data/locations.csv?country=KG")
    body = b"".join(response.streaming_content).decode()
    expected = "".join(
        exchange.stream_csv(selectors.iter_locations(country_code="KG"), generated_at=AT)
    )
    assert body == expected
    assert "K1" not in body


def test_an_export_chunk_holds_at_most_export_chunk_locations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _registry()
    monkeypatch.setattr(selectors, "EXPORT_CHUNK", 2)
    chunks = list(selectors.iter_export_chunks())
    assert [len(c.locations) for c in chunks] == [2, 2, 2, 1]
    ids = [row[0] for c in chunks for row in c.locations]
    assert ids == sorted(ids)
    assert all("REMOVED" not in e[4] for c in chunks for es in c.evses.values() for e in es)
