"""The public register of permits: searchable page, API, open-data CSV, QR on the PDF."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.test import Client

from kubat.permits import register, services
from kubat.permits.models import PermitCase
from tests.permits.factories import T0, World, in_review, make_world

pytestmark = pytest.mark.django_db


def _permit(world: World, **overrides: object) -> PermitCase:
    case = in_review(world, **overrides)
    for approval in case.approvals.all():
        services.decide_approval(
            user=world.reviewers[approval.authority],
            approval=approval,
            approve=True,
            now=T0 + timedelta(days=2),
        )
    case.refresh_from_db()
    return case


def test_the_register_lists_issued_permits_without_personal_data() -> None:
    world = make_world("KZ")
    case = _permit(world)
    in_review(world, site_name="Still in review")
    body = Client().get("/api/v1/permits/register").json()
    assert body["total"] == 1
    (item,) = body["items"]
    assert item["permit_number"] == case.permit_number
    assert item["operator"] == world.applicant_org.name
    assert item["state"] == "issued"
    assert item["track"] == "permit"
    text = str(body)
    assert world.applicant.username not in text
    assert world.applicant.email not in text
    assert "tax" not in text


def test_the_register_is_searchable_by_text_and_state() -> None:
    world = make_world("KZ")
    mall = _permit(world, site_name="Mega mall parking")
    _permit(world, site_name="Airport garage")
    client = Client()
    found = client.get("/api/v1/permits/register", {"q": "mega"}).json()
    assert [i["permit_number"] for i in found["items"]] == [mall.permit_number]
    assert client.get("/api/v1/permits/register", {"state": "in_service"}).json()["total"] == 0
    wrong = client.get("/api/v1/permits/register", {"state": "haunted"})
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "state"
    page = client.get("/permits/register/", {"q": "airport"}).content.decode()
    assert "Airport garage" in page
    assert "Mega mall" not in page


def test_the_entry_page_shows_the_verified_signature() -> None:
    world = make_world("KZ")
    case = _permit(world)
    page = Client().get(f"/permits/register/{case.permit_number}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Signature valid" in text
    assert world.applicant_org.name in text
    assert Client().get("/permits/register/KZ-P-2026-999999/").status_code == 404
    api = Client().get(f"/api/v1/permits/register/{case.permit_number}").json()
    assert api["decision_url"].endswith(".json")


def test_the_register_is_open_data_as_csv() -> None:
    world = make_world("KZ")
    case = _permit(world, site_name="=HYPERLINK(evil)")
    response = Client().get("/open-data/permits.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    first = text.split("\r\n", 1)[0]
    assert first == ",".join(register.CSV_COLUMNS), "the first row is the header (RFC 4180)"
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["permit_number"] for r in rows] == [case.permit_number]
    assert rows[0]["site_name"] == "'=HYPERLINK(evil)"  # neutralised for spreadsheets
    assert rows[0]["state"] == "issued"


def test_the_permit_pdf_has_a_qr_code_to_its_register_entry() -> None:
    world = make_world("KZ")
    case = _permit(world)
    client = Client()
    client.force_login(world.applicant)
    pdf = client.get(f"/permits/cases/{case.pk}/permit.pdf").content
    # Uncompressed PDF: the URL is in the footer text and many small rectangles make the QR.
    url = f"http://testserver/permits/register/{case.permit_number}/"
    assert url.encode() in pdf
    assert len(re.findall(rb" re\b", pdf)) > 200


def test_the_register_page_speaks_russian_kyrgyz_and_kazakh() -> None:
    expected = {"ru": "Реестр разрешений", "ky": "Уруксат реестри", "kk": "Рұқсаттар тізілімі"}
    for language, title in expected.items():
        page = Client().get("/permits/register/", HTTP_ACCEPT_LANGUAGE=language)
        assert title in page.content.decode(), language
