"""/api/v1/insights: documented in the OpenAPI, errors naming the field, writes need a login."""

import json

import pytest
from django.contrib.auth.models import User

from kubat.accounts import services as account_services
from kubat.insights import services
from tests.insights.factories import register, station


@pytest.mark.django_db
def test_insights_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/insights/adequacy/{country}",
        "/api/v1/insights/compatibility/{country}",
        "/api/v1/insights/corridors",
        "/api/v1/insights/corridors/{code}",
        "/api/v1/insights/siting/{country}",
        "/api/v1/insights/siting/runs/{run_id}",
        "/api/v1/insights/candidates/{country}",
    ):
        assert path in paths, path


@pytest.mark.django_db
def test_adequacy_and_compatibility_answer_and_bad_values_name_the_field(client):
    register(1000)
    register(100, model="Song Plus DM-i", powertrain="PHEV")
    station("A", points=[("GBT_DC", 100, "AVAILABLE")])
    body = client.get("/api/v1/insights/adequacy/KGZ?year=2025").json()
    assert body["totals"]["need_kw"] == 1380.0
    assert body["rules"]["kw_per_vehicle"]["BEV"] == 1.3
    bad = client.get("/api/v1/insights/adequacy/XX")
    assert bad.status_code == 400
    assert bad.json()["field"] == "country"
    assert client.get("/api/v1/insights/adequacy/KG?year=1800").json()["field"] == "year"
    compat = client.get("/api/v1/insights/compatibility/KG").json()
    assert compat["served_share"] == pytest.approx(1000 / 1100, abs=1e-4)
    assert client.get("/api/v1/insights/compatibility/KG?top=0").json()["field"] == "top"


@pytest.mark.django_db
def test_corridor_endpoints(client):
    services.load_shipped_corridors()
    listed = client.get("/api/v1/insights/corridors?country=KZ").json()
    assert "almaty-astana" in {c["code"] for c in listed}
    one = client.get("/api/v1/insights/corridors/bishkek-almaty").json()
    assert one["approximate"] is True
    assert one["directions"]["forward"]["gaps"]  # no stations in this database: one long gap
    missing = client.get("/api/v1/insights/corridors/nowhere")
    assert missing.status_code == 404
    assert missing.json()["field"] == "code"
    far = client.get("/api/v1/insights/corridors/bishkek-almaty?max_distance_km=500")
    assert far.json()["field"] == "max_distance_km"


@pytest.mark.django_db
def test_siting_post_needs_a_login_and_names_bad_fields(client):
    register(100, region="Naryn")
    services.import_candidates(text="name,lat,lon\nNaryn,41.43,75.99\n", country="KG", batch="b1")
    body = json.dumps({"stations": 1, "radius_km": 20})
    url = "/api/v1/insights/siting/KG"
    assert client.post(url, body, content_type="application/json").status_code == 401
    user = User.objects.create_user("analyst")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {account_services.issue_token(user=user)}"}
    made = client.post(url, body, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    run = made.json()
    assert run["milp"]["status"] == "Optimal"
    assert run["milp"]["gap"] == 0
    assert client.get(f"/api/v1/insights/siting/runs/{run['id']}").json()["candidates"]
    assert client.get("/api/v1/insights/siting/KG").json()[0]["id"] == run["id"]
    bad = client.post(url, json.dumps({"stations": 0}), content_type="application/json", **auth)
    assert (bad.status_code, bad.json()["field"]) == (400, "stations")
    shape = client.post(url, json.dumps({"model": "x"}), content_type="application/json", **auth)
    assert shape.status_code == 422


@pytest.mark.django_db
def test_candidate_upload_by_api_is_all_or_nothing_naming_the_line(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = User.objects.create_user("investor")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {account_services.issue_token(user=user)}"}
    bad = SimpleUploadedFile("sites.csv", b"name,lat,lon\nA,42.1,74.2\nB,42.1,east\n")
    response = client.post(
        "/api/v1/insights/candidates/KG", {"batch": "inv-1", "file": bad}, **auth
    )
    assert response.status_code == 400
    assert response.json()["field"] == "line 3: lon"
    good = SimpleUploadedFile("sites.csv", b"name,lat,lon\nA,42.1,74.2\n")
    made = client.post("/api/v1/insights/candidates/KG", {"batch": "inv-1", "file": good}, **auth)
    assert made.status_code == 201
    assert made.json()["created"] == 1


@pytest.mark.django_db
def test_readers_get_the_live_national_report_never_a_stale_copy(client):
    register(100)
    first = client.get("/api/v1/insights/adequacy/KG").json()
    assert first["totals"]["bev"] == 100
    assert "computed_at" in first
    register(50)
    assert client.get("/api/v1/insights/adequacy/KG").json()["totals"]["bev"] == 150
    station("R1", region="Chuy", points=[("GBT_DC", 60, "AVAILABLE")])
    served = client.get("/api/v1/insights/compatibility/KG").json()
    assert served["served_vehicles"] == 150
