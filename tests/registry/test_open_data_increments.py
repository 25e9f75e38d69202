"""Incremental downloads (updated_since), the "price up to" filter and dated daily snapshots."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from kubat.registry import services, snapshots
from kubat.registry.models import EVSE
from tests.registry.factories import connector, evse, location_data, save
from tests.registry.test_data_package import put_tariff

pytestmark = pytest.mark.django_db


def _text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def _priced_pair() -> None:
    """A cheap (10 KGS/kWh) and a dear (30 KGS/kWh) DC station and a KZT one."""
    for key, ocpi_id, tariff in (("KG*CHP", "CHEAP", 10.0), ("KG*DRR", "DEAR", 30.0)):
        dc = connector("1", "GBT_DC", 60) | {"tariff_ids": ["DC"]}
        save(location_data(key, ocpi_id, evses=[evse(f"{ocpi_id}-1", dc)]))
        put_tariff(key, "DC", tariff)
    kz = connector("1", "GBT_DC", 60) | {"tariff_ids": ["DC"]}
    save(location_data("KZ*TNG", "TENGE", country="KAZ", evses=[evse("T-1", kz)]))
    put_tariff("KZ*TNG", "DC", 100.0, currency="KZT")


def test_updated_since_downloads_only_locations_changed_since_then(client: Client) -> None:
    save(location_data(ocpi_id="OLD", last_updated="2026-10-01T12:00:00Z"))
    save(location_data(ocpi_id="NEW", last_updated="2026-11-20T08:00:00Z"))
    status_only = save(location_data(ocpi_id="STATUS", last_updated="2026-10-01T12:00:00Z"))
    # A status report moves only the EVSE's last_updated; the location still counts as changed.
    services.record_evse_status(
        party=status_only.party_id,
        location_id="STATUS",
        evse_uid=EVSE.objects.get(location=status_only).uid,
        status="CHARGING",
        at=datetime(2026, 11, 25, tzinfo=UTC),
        source="ocpi",
    )
    rows = csv.DictReader(io.StringIO(_text(client.get(
        "/open-data/locations.csv?updated_since=2026-11-01T00:00:00Z"))))  # fmt: skip
    assert sorted(r["location_id"] for r in rows) == ["NEW", "STATUS"]
    doc = json.loads(_text(client.get("/open-data/locations.geojson?updated_since=2026-11-21")))
    assert [f["properties"]["ocpi_id"] for f in doc["features"]] == ["STATUS"]
    everything = json.loads(_text(client.get("/open-data/locations.geojson")))
    assert len(everything["features"]) == 3


@pytest.mark.parametrize("path", ["locations.csv", "locations.geojson", "datapackage.json"])
@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-11-01T00:00:00"])
def test_a_bad_updated_since_is_a_400_naming_the_field(
    client: Client, path: str, value: str
) -> None:
    response = client.get(f"/open-data/{path}", {"updated_since": value})
    assert response.status_code == 400
    assert response.content.decode().startswith("updated_since:")


def test_the_api_search_keeps_stations_priced_up_to_an_amount_in_a_currency(client: Client) -> None:
    _priced_pair()
    # DC reference session 30 kWh: 300 KGS + 12 % VAT = 336; 900 + 12 % = 1008.
    found = client.get("/api/v1/locations", {"max_price": 400, "currency": "kgs"}).json()
    assert [i["ocpi_id"] for i in found["items"]] == ["CHEAP"]
    assert found["total"] == 1
    both = client.get("/api/v1/locations", {"max_price": 1008, "currency": "KGS"}).json()
    assert sorted(i["ocpi_id"] for i in both["items"]) == ["CHEAP", "DEAR"]
    near = client.get(
        "/api/v1/locations", {"max_price": 400, "currency": "KGS", "near": "42.87,74.57"}
    ).json()
    assert [i["ocpi_id"] for i in near["items"]] == ["CHEAP"]
    tenge = client.get("/api/v1/locations", {"max_price": 5000, "currency": "KZT"}).json()
    assert [i["ocpi_id"] for i in tenge["items"]] == ["TENGE"]


def test_a_price_limit_without_its_currency_is_a_400_naming_currency(client: Client) -> None:
    response = client.get("/api/v1/locations", {"max_price": 400})
    assert response.status_code in {400, 422}
    assert "currency" in response.content.decode()
    markers = client.get("/portal-api/markers", {"max_price": 400})
    assert markers.status_code == 400
    assert "currency" in markers.content.decode()


def test_the_map_rows_carry_the_cheapest_price_and_filter_by_it(client: Client) -> None:
    _priced_pair()
    body = client.get("/portal-api/markers").json()
    assert body["fields"][-1] == "price"
    prices = {row[5]: row[9] for row in body["rows"]}
    assert prices["Station CHEAP"] == [336.0, "KGS", True, "DC"]
    assert prices["Station TENGE"][1] == "KZT"
    cheap = client.get("/portal-api/markers", {"max_price": "400", "currency": "KGS"}).json()
    assert [row[5] for row in cheap["rows"]] == ["Station CHEAP"]


def test_a_daily_snapshot_is_written_listed_downloaded_and_pruned(
    client: Client, settings: object
) -> None:
    save(location_data(ocpi_id="A"))
    day = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    for back in range(4):
        snapshots.write(now=day - timedelta(days=back))
    assert [s.day for s in snapshots.listing()][:2] == [date(2026, 12, 1), date(2026, 11, 30)]
    assert not [p for p in snapshots.root().iterdir() if p.name.startswith(".")]
    removed = snapshots.prune(today=date(2026, 12, 1), keep_days=2)
    assert removed == [date(2026, 11, 28), date(2026, 11, 29)]
    index = client.get("/open-data/snapshots/").json()
    assert [s["date"] for s in index["snapshots"]] == ["2026-12-01", "2026-11-30"]
    url = index["snapshots"][0]["files"]["locations.csv"]
    text = b"".join(client.get(url).streaming_content).decode()
    assert text.startswith("country_code,party_id,")
    package = json.loads(b"".join(client.get(
        "/open-data/snapshots/2026-12-01/datapackage.json").streaming_content))  # fmt: skip
    assert package["created"] == "2026-12-01T03:00:00Z"
    assert client.get("/open-data/snapshots/2026-11-28/locations.csv").status_code == 404
    assert client.get("/open-data/snapshots/2026-12-01/secret_key").status_code == 404
    assert client.get("/open-data/snapshots/12-2026/locations.csv").status_code == 400
    page = client.get("/open-data/")
    assert "/open-data/snapshots/2026-12-01/locations.geojson" in page.content.decode()


def test_a_snapshot_that_fails_halfway_leaves_no_day_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    save(location_data(ocpi_id="A"))

    def broken(*args: object, **kwargs: object) -> object:
        yield '{"type": "FeatureCollection", "features": ['
        raise OSError("disk full")

    monkeypatch.setattr(snapshots.exchange, "stream_geojson", broken)
    with pytest.raises(OSError, match="disk full"):
        snapshots.write(now=datetime(2026, 12, 1, tzinfo=UTC))
    assert list(Path(snapshots.root()).iterdir()) == []


def test_the_snapshot_command_writes_today_and_refuses_a_negative_keep() -> None:
    save(location_data(ocpi_id="A"))
    out = StringIO()
    call_command("open_data_snapshot", stdout=out)
    assert "locations.csv" in out.getvalue()
    assert len(snapshots.listing()) == 1
    with pytest.raises(CommandError, match="--keep-days"):
        call_command("open_data_snapshot", "--keep-days", "-1")


def test_a_snapshot_validates_with_frictionless_where_it_lies() -> None:
    from frictionless import validate

    from tests.registry.test_data_package import _registry_with_prices

    _registry_with_prices()
    snapshot = snapshots.write(now=datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    report = validate(str(snapshot.path / "datapackage.json"))
    assert report.valid, report.flatten(["type", "fieldName", "rowNumber", "note"])
