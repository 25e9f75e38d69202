"""Writes over /api/v1 need a token (or session) of the party's operator or the secretariat."""

import json

import pytest
from django.contrib.auth import get_user_model

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.registry.models import Location
from tests.registry.factories import connector, evse, location_data, party, save

pytestmark = pytest.mark.django_db


def _operator_token(name: str, party_key: str) -> str:
    organisation = Organisation.objects.create(name=name, kind="operator", country_code="KG")
    party(party_key, organisation=organisation)
    user = get_user_model().objects.create_user(name)
    account_services.grant_role(user=user, role=Role.OPERATOR)
    account_services.join_organisation(user=user, organisation=organisation)
    return account_services.issue_token(user=user)


def _put(client, token, data, path=None):
    path = path or f"/api/v1/locations/{data['country_code']}/{data['party_id']}/{data['id']}"
    return client.put(
        path,
        json.dumps(data),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


def test_an_operator_creates_and_replaces_its_own_location(client):
    token = _operator_token("mine", "KG*MIN")
    data = location_data(party="KG*MIN", ocpi_id="X1")
    first = _put(client, token, data)
    assert first.status_code == 201
    assert first.json()["source"] == "api"
    data["name"] = "Renamed"
    second = _put(client, token, data)
    assert second.status_code == 200
    assert Location.objects.get().name == "Renamed"


def test_an_operator_cannot_change_another_operators_location(client):
    _operator_token("theirs", "KG*THR")
    save(location_data(party="KG*THR", ocpi_id="T1"))
    my_token = _operator_token("mine", "KG*MIN")
    data = location_data(party="KG*THR", ocpi_id="T1", name="Hijacked")
    response = _put(client, my_token, data)
    assert response.status_code == 403
    assert Location.objects.get().name == "Station T1"


def test_writes_without_a_valid_token_are_401(client):
    party("KG*TST")
    data = location_data()
    assert _put(client, None, data).status_code == 401
    assert _put(client, "kbt_not-a-token", data).status_code == 401


def test_a_body_for_another_path_is_refused_naming_the_field(client):
    token = _operator_token("mine", "KG*MIN")
    data = location_data(party="KG*MIN", ocpi_id="X1")
    response = _put(client, token, data, path="/api/v1/locations/KG/MIN/OTHER")
    assert response.status_code == 400
    assert response.json()["field"] == "id"


def test_an_evse_uid_given_twice_is_400_naming_it_not_a_500(client):
    """Both EVSEs were written under the one uid: the unique key failed (IntegrityError)."""
    token = _operator_token("mine", "KG*MIN")
    data = location_data(party="KG*MIN", ocpi_id="X1", evses=[evse("E1"), evse("E1")])
    response = _put(client, token, data)
    assert response.status_code == 400
    assert response.json()["field"] == "evses.1.uid"
    twice = location_data(
        party="KG*MIN", ocpi_id="X1", evses=[evse("E1", connector("1"), connector("1"))]
    )
    response = _put(client, token, twice)
    assert response.status_code == 400
    assert response.json()["field"] == "evses.0.connectors.1.id"
    assert not Location.objects.exists()


def test_a_malformed_body_is_422_naming_the_field(client):
    token = _operator_token("mine", "KG*MIN")
    data = location_data(party="KG*MIN", ocpi_id="X1")
    data["coordinates"]["latitude"] = "north"
    response = _put(client, token, data)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "latitude"


def test_import_over_the_api_is_all_or_nothing_and_scoped_to_the_operator(client):
    token = _operator_token("mine", "KG*MIN")
    party("KG*THR")
    ok = json.dumps([location_data(party="KG*MIN", ocpi_id="A")])
    response = client.post(
        "/api/v1/imports",
        {"file": _upload(ok), "file_format": "json"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert response.json()["created"] == 1
    theirs = json.dumps([location_data(party="KG*THR", ocpi_id="B")])
    response = client.post(
        "/api/v1/imports",
        {"file": _upload(theirs), "file_format": "json"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403
    assert not Location.objects.filter(ocpi_id="B").exists()
    bad = json.dumps([location_data(party="KG*MIN", ocpi_id="C"), {"id": "broken"}])
    response = client.post(
        "/api/v1/imports",
        {"file": _upload(bad), "file_format": "json"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.json()["rejected"][0]["where"] == "object 1"
    assert response.json()["code"] == "invalid"
    assert response.json()["field"] == response.json()["rejected"][0]["field"]
    assert not Location.objects.filter(ocpi_id="C").exists()


def _upload(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("locations.json", text.encode(), content_type="application/json")
