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


def test_csv_has_a_row_per_connector_and_a_provenance_line(client):
    save(location_data(ocpi_id="A", evses=[evse("1"), evse("2"), evse("3", status="REMOVED")]))
    text = _body(client.get("/open-data/locations.csv?country=KG"))
    first, *rest = text.splitlines()
    assert first.startswith("# ")
    assert "Licence" in first
    assert "Generated at" in first
    rows = list(csv.DictReader(rest))
    assert [r["evse_uid"] for r in rows] == ["1", "2"]
    assert rows[0]["power_kw"] == "60.0"


def test_open_data_with_a_bad_country_is_400(client):
    response = client.get("/open-data/locations.csv?country=Narnia")
    assert response.status_code == 400
    assert _body(response).startswith("country:")
