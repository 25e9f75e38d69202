"""Quota pages answer absent objects and bad input with 4xx, never a 500."""

from __future__ import annotations

import pytest

from tests.quotas import factories as f

pytestmark = pytest.mark.django_db


def test_unknown_period_page_is_404(client):
    assert client.get("/quotas/periods/999/").status_code == 404


def test_unknown_certificate_number_is_404(client):
    assert client.get("/quotas/certificates/NOPE/").status_code == 404
    assert client.get("/quotas/certificates/NOPE/pdf/").status_code == 404


def test_known_period_page_is_still_200(client):
    assert client.get(f"/quotas/periods/{f.period().pk}/").status_code == 200


@pytest.fixture
def broker_client(client):
    client.force_login(f.user())
    return client


def _csv(text: bytes, name: str = "batch.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text, content_type="text/csv")


def test_broker_desk_names_the_period_field_when_it_is_not_a_number(broker_client):
    page = broker_client.post("/quotas/broker/", {"action": "form", "period": "abc"})
    assert page.status_code == 400
    assert b"period: " in page.content


def test_broker_desk_names_the_file_field_when_the_csv_is_not_utf8(broker_client):
    p = f.period()
    text = "declarant_kind,declarant_tax_id,vin,make,model,powertrain,declarant_name\n"
    text += f"person,{f.PERSON_PIN},{f.vin(1)},BYD,Atto 3,BEV,Иванов\n"
    page = broker_client.post(
        "/quotas/broker/", {"action": "csv", "period": p.pk, "file": _csv(text.encode("cp1251"))}
    )
    assert page.status_code == 400
    assert b"file: " in page.content
    assert b"UTF-8" in page.content


def test_broker_desk_names_the_file_field_when_no_file_is_sent(broker_client):
    page = broker_client.post("/quotas/broker/", {"action": "csv", "period": f.period().pk})
    assert page.status_code == 400
    assert b"file: " in page.content


def test_broker_desk_reports_an_unknown_period_by_name_not_as_invalid_input(broker_client):
    page = broker_client.post("/quotas/broker/", {"action": "form", "period": "999"})
    assert page.status_code == 400
    assert b"999" in page.content


def test_broker_desk_refuses_an_odd_model_year_or_battery_as_a_line_problem(broker_client):
    p = f.period()
    for line in (f"{f.vin(1)}, BYD, Atto 3, BEV, 2²", f"{f.vin(1)}, BYD, Seal, BEV, 2025, NaN"):
        page = broker_client.post(
            "/quotas/broker/",
            {
                "action": "form",
                "period": p.pk,
                "declarant_kind": "person",
                "declarant_tax_id": f.PERSON_PIN,
                "vehicles": line,
            },
        )
        assert page.status_code == 400
        assert b"line 1" in page.content


def test_certificate_and_vin_lookups_with_a_nul_character_are_answered_not_crashed(client):
    for url, field in [
        ("/quotas/certificates/KG26%00X/", "path"),
        ("/api/v1/quotas/certificates/KG26%00X", "path"),
        ("/quotas/vehicles/?vin=LGX%00", "vin"),
        ("/api/v1/quotas/vehicles/LGX%00", "path"),
    ]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.json()["field"] == field
