import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/locations?city=a%00b", "city"),
        ("/portal-api/markers?operator=%00", "operator"),
        ("/quotas/certificates/KG%00X/", "path"),
    ],
)
def test_a_nul_character_in_a_query_is_400_naming_the_field(client, url, field):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_a_nul_character_in_a_json_body_is_400(client):
    body = json.dumps({"name": "a\u0000b"})
    response = client.put("/api/v1/locations/KG/TST/X", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "body"


def test_ordinary_requests_pass(client):
    assert client.get("/api/v1/locations?city=Bishkek").status_code == 200
