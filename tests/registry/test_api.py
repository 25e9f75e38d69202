import io

import pytest
from django.core.management import call_command

from tests.registry.factories import evse, location_data, save

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("demo", "--seed", "2026", stdout=io.StringIO())


def test_kyrgyz_demo_has_230_locations_about_60_in_bishkek(client, demo):
    kg = client.get("/api/v1/locations", {"country": "KG", "limit": 1}).json()
    assert kg["total"] == 230
    bishkek = client.get("/api/v1/locations", {"country": "KGZ", "city": "Bishkek"}).json()
    assert 55 <= bishkek["total"] <= 65
    assert {item["source"] for item in bishkek["items"]} == {"demo"}


def test_astana_has_at_least_50_locations_and_the_25_point_hub(client, demo):
    astana = client.get("/api/v1/locations", {"city": "Astana", "limit": 1000}).json()
    assert astana["total"] >= 50
    assert max(item["evse_count"] for item in astana["items"]) == 25


def test_near_bishkek_is_sorted_by_distance(client, demo):
    body = client.get("/api/v1/locations", {"near": "42.8746,74.5698", "limit": 20}).json()
    distances = [item["distance_km"] for item in body["items"]]
    assert len(distances) == 20
    assert distances == sorted(distances)
    assert body["total"] >= 20


def test_stats_agree_with_the_listing(client, demo):
    stats = client.get("/api/v1/stats", {"country": "KG"}).json()
    assert stats["locations"] == 230
    assert sum(stats["locations_by_region"].values()) == 230
    assert sum(o["locations"] for o in stats["locations_by_operator"]) == 230
    assert sum(stats["connectors_by_standard"].values()) == stats["connectors"]
    assert stats["connectors_by_standard"]["GBT_DC"] > stats["connectors_by_standard"]["CHADEMO"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"min_kw": "lots"}, "min_kw"),
        ({"min_kw": "-1"}, "min_kw"),
        ({"connector": "SCART"}, "connector"),
        ({"status": "SLEEPING"}, "status"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "10,20,5,30"}, "bbox"),
        ({"near": "42.8"}, "near"),
        ({"near": "95,10"}, "near"),
        ({"near": "42.8,74.5", "radius_km": "0"}, "radius_km"),
        ({"radius_km": "5"}, "radius_km"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_a_wrong_value_gets_a_4xx_naming_the_field(client, params, field):
    response = client.get("/api/v1/locations", params)
    assert response.status_code in (400, 422)
    body = response.json()
    if response.status_code == 400:
        assert body["field"] == field
    else:
        assert any(field in error["loc"] for error in body["detail"])


def test_unknown_or_unpublished_location_is_404(client):
    hidden = save(location_data(publish=False))
    assert client.get("/api/v1/locations/999999").status_code == 404
    assert client.get(f"/api/v1/locations/{hidden.pk}").status_code == 404
    assert client.get("/api/v1/locations/abc").status_code == 422


def test_location_detail_carries_evses_connectors_and_compliance(client):
    location = save(location_data(evses=[evse("a", evse_id="KG*TST*E1")]))
    body = client.get(f"/api/v1/locations/{location.pk}").json()
    assert body["evses"][0]["connectors"][0]["standard"] == "GBT_DC"
    assert body["compliance"]["profile"] == "KG"
    assert body["source"] == "api"


def test_every_endpoint_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/locations",
        "/api/v1/locations/{location_id}",
        "/api/v1/stats",
        "/api/v1/operators/{party}/compliance",
    ]:
        assert path in paths


def test_operator_compliance_of_an_unknown_party_is_404(client):
    response = client.get("/api/v1/operators/KG*NOPE/compliance")
    assert response.status_code == 400
    assert response.json()["field"] == "party"
    assert client.get("/api/v1/operators/KG*NOP/compliance").status_code == 404


def test_a_total_past_the_bound_is_labelled_in_the_readers_language(client, monkeypatch):
    from kubat.registry import selectors

    for i in range(8):
        save(location_data(ocpi_id=f"T{i}", lat=42.87 + i / 1000))
    monkeypatch.setattr(selectors, "EXACT_TOTAL_UP_TO", 5)
    body = client.get(
        "/api/v1/locations",
        {"bbox": "74.5,42.8,74.6,42.9", "limit": 1, "text": "Station"},
        HTTP_ACCEPT_LANGUAGE="ru",
    ).json()
    assert (body["total"], body["total_kind"], body["total_label"]) == (5, "more_than", "более 5")
    about = client.get("/api/v1/locations", {"bbox": "74.5,42.8,74.6,42.9", "limit": 1}).json()
    assert about["total_kind"] == "about"
    assert about["total_label"] == f"about {about['total']}"
    monkeypatch.setattr(selectors, "EXACT_TOTAL_UP_TO", 1000)
    small = client.get("/api/v1/locations", {"bbox": "74.5,42.8,74.6,42.9"}).json()
    assert (small["total"], small["total_kind"], small["total_label"]) == (8, "exact", "8")
