"""The open data any tool reads: an RFC 4180 CSV whose first line is its header, described by a
Frictionless Data Package that the `frictionless` library validates, files and all."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from kubat.registry import datapackage, exchange
from tests.registry.factories import connector, evse, location_data, save

pytestmark = pytest.mark.django_db


def _bytes(response) -> bytes:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def put_tariff(key: str, tariff_id: str, per_kwh: float, currency: str = "KGS") -> None:
    """An ad-hoc tariff of `per_kwh` with 12 % VAT, through the registry's tariff write path."""
    from kubat.protocols.ocpi.v2_2_1 import tariffs as ocpi_tariffs
    from kubat.registry import tariffs as registry_tariffs
    from kubat.registry.enums import Source
    from tests.registry.factories import party

    data = ocpi_tariffs.Tariff.model_validate(
        {
            "country_code": key[:2],
            "party_id": key[3:],
            "id": tariff_id,
            "currency": currency,
            "type": "AD_HOC_PAYMENT",
            "elements": [
                {
                    "price_components": [
                        {"type": "ENERGY", "price": per_kwh, "vat": 12, "step_size": 1}
                    ]
                }
            ],
            "last_updated": "2026-10-01T12:00:00Z",
        }
    )
    registry_tariffs.put_tariff(party=party(key), data=data, source=Source.API)


def _registry_with_prices() -> None:
    dc = connector("1", "GBT_DC", 60) | {"tariff_ids": ["DC-ADHOC"]}
    save(location_data(ocpi_id="A", evses=[evse("A-1", dc), evse("A-2", status="REMOVED")]))
    save(location_data(ocpi_id="-B", name="=cmd", lon=-74.5698, evses=[evse("B-1")]))
    put_tariff("KG*TST", "DC-ADHOC", 20.0)


def _publish(client: Client, target: Path, query: str = "") -> Path:
    """Download the package and its files as a user would, into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    package = json.loads(_bytes(client.get("/open-data/datapackage.json" + query)))
    for resource in package["resources"]:
        path = resource["path"]
        name = path.split("?")[0]
        (target / name).write_bytes(_bytes(client.get("/open-data/" + path)))
        resource["path"] = name  # the files are saved under their plain names
    (target / "datapackage.json").write_text(json.dumps(package))
    return target / "datapackage.json"


def test_the_csv_first_line_is_its_header(client: Client) -> None:
    _registry_with_prices()
    text = _bytes(client.get("/open-data/locations.csv")).decode()
    assert text.split("\r\n", 1)[0] == ",".join(exchange.CSV_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["evse_uid"] for r in rows] == ["A-1", "B-1"]


def test_every_csv_column_has_a_typed_field_in_the_table_schema() -> None:
    fields = datapackage.table_schema()["fields"]
    assert [f["name"] for f in fields] == exchange.CSV_COLUMNS
    assert all(f["type"] in {"string", "number", "integer", "boolean", "datetime", "object"}
               for f in fields)  # fmt: skip
    assert {f["name"]: f["type"] for f in fields}["latitude"] == "number"


def test_the_published_package_validates_with_the_frictionless_library(
    client: Client, tmp_path: Path
) -> None:
    from frictionless import Package, validate

    _registry_with_prices()
    descriptor = _publish(client, tmp_path / "pkg")
    report = validate(str(descriptor))
    assert report.valid, report.flatten(["type", "fieldName", "rowNumber", "note"])
    package = Package(str(descriptor))
    assert package.licenses[0]["name"] == "CC-BY-4.0"
    assert package.created
    assert package.sources
    rows = package.get_resource("locations").read_rows()
    assert len(rows) == 2
    priced = rows[0]
    assert (priced["price_currency"], priced["price_vat_stated"]) == ("KGS", True)
    assert priced["price_incl_vat"] > priced["price_excl_vat"] > 0
    assert priced["price_session"] == "DC: 30 kWh in 45 min"
    assert rows[1]["price_currency"] is None  # no tariff: no price, and no currency either


def test_frictionless_validate_on_the_command_line_passes(client: Client, tmp_path: Path) -> None:
    _registry_with_prices()
    descriptor = _publish(client, tmp_path / "cli", "?country=KG")
    frictionless = Path(sys.executable).with_name("frictionless")
    done = subprocess.run(
        [str(frictionless), "validate", str(descriptor)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VALID" in done.stdout.upper()


def test_a_broken_row_fails_the_validation_so_the_test_above_proves_something(
    client: Client, tmp_path: Path
) -> None:
    from frictionless import validate

    _registry_with_prices()
    descriptor = _publish(client, tmp_path / "bad")
    csv_path = descriptor.with_name("locations.csv")
    csv_path.write_text(csv_path.read_text().replace("KGZ", "Kyrgyzstan", 1))
    assert not validate(str(descriptor)).valid


def test_the_package_carries_the_query_of_the_files_it_describes(client: Client) -> None:
    package = json.loads(
        _bytes(client.get("/open-data/datapackage.json?country=kgz&updated_since=2026-12-01"))
    )
    paths = [r["path"] for r in package["resources"]]
    assert paths == [
        "locations.csv?country=KG&updated_since=2026-12-01",
        "locations.geojson?country=KG&updated_since=2026-12-01",
        "permits.csv?country=KG",  # the permits register takes the country filter only
    ]
    assert package["kubat_filters"] == {"country": "KG", "updated_since": "2026-12-01T00:00:00Z"}


def test_the_geojson_carries_each_evse_price_with_currency_and_vat(client: Client) -> None:
    _registry_with_prices()
    doc = json.loads(_bytes(client.get("/open-data/locations.geojson")))
    (first, second) = doc["features"]
    price = first["properties"]["evses"][0]["price"]
    assert price["currency"] == "KGS"
    assert price["vat_stated"] is True
    assert price["session"] == "DC: 30 kWh in 45 min"
    assert price["incl_vat"] > price["excl_vat"]
    assert second["properties"]["evses"][0]["price"] is None


def test_the_permits_csv_is_described_in_the_package_and_validates(
    client: Client, tmp_path: Path
) -> None:
    from frictionless import Package, validate

    from kubat.permits import register
    from tests.permits.factories import make_world
    from tests.permits.test_register import _permit

    case = _permit(make_world("KG"))
    descriptor = _publish(client, tmp_path / "permits")
    report = validate(str(descriptor))
    assert report.valid, report.flatten(["type", "fieldName", "rowNumber", "note"])
    resource = Package(str(descriptor)).get_resource("permits")
    assert [f.name for f in resource.schema.fields] == register.CSV_COLUMNS
    assert "Licence" in resource.description
    rows = resource.read_rows()
    assert [r["permit_number"] for r in rows] == [case.permit_number]
