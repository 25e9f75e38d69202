"""Reports: draws and duty forgone per month, make, model, origin and post; reconciliation."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.utils import translation

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.fleet import services as fleet_services
from kubat.quotas import allocation, reports, services
from kubat.quotas.models import Certificate
from tests.quotas import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn():
    p = f.period(volume=20)
    officer = f.customs()
    f.request(officer, p, [f.vin(1), f.vin(2)], seconds=0.2, customs_value=Decimal("20000"))
    f.request(
        officer,
        p,
        [f.vin(3)],
        seconds=0.4,
        tax_id=f.pin(2),
        post="osh",
        make="Volkswagen",
        model="ID.4",
        origin_country="DE",
        customs_value=Decimal("31000.50"),
    )
    f.request(
        officer, p, [f.vin(4)], seconds=0.6, tax_id=f.pin(3), declarant=f.resident(residence="KZ")
    )  # refused: not in the report
    allocation.settle_due(period_id=p.pk, now=f.at(2))
    for cert in Certificate.objects.filter(period=p):
        services.clear_certificate(user=officer, number=cert.number, now=f.at(3600))
    return p


def test_monthly_report_groups_draws_and_computes_the_duty_forgone(drawn):
    rows = reports.monthly(period=drawn)
    got = [
        (
            r["month"],
            r["customs_post"],
            r["make"],
            r["origin_country"],
            r["units"],
            r["duty_forgone"],
        )
        for r in rows
    ]
    assert got == [
        ("2026-01", f.POSTS["bishkek"], "BYD", "CN", 2, Decimal("6000.00")),
        ("2026-01", f.POSTS["osh"], "Volkswagen", "DE", 1, Decimal("4650.08")),
    ]
    assert reports.totals(rows)["USD"]["duty_forgone"] == Decimal("10650.08")


def test_reconciliation_lists_both_kinds_of_mismatch(drawn):
    fleet_services.import_registrations(
        rows=[
            {
                "vin": f.vin(1),
                "make": "BYD",
                "model": "Atto 3",
                "powertrain": "BEV",
                "country": "KG",
                "region": "Bishkek",
                "registered_on": "2026-01-20",
                "origin": "quota_import",
            },
            {  # claims the exemption, no certificate anywhere
                "vin": f.vin(99),
                "make": "BYD",
                "model": "Atto 3",
                "powertrain": "BEV",
                "country": "KG",
                "region": "Osh",
                "registered_on": "2026-02-01",
                "origin": "quota_import",
            },
        ]
    )
    rows = reports.reconciliation(period=drawn)
    got = sorted((r["problem"], r["vin"]) for r in rows)
    assert got == [
        (reports.CERTIFICATE_WITHOUT_REGISTRATION, f.vin(2)),
        (reports.CERTIFICATE_WITHOUT_REGISTRATION, f.vin(3)),
        (reports.REGISTRATION_WITHOUT_CERTIFICATE, f.vin(99)),
    ]


def test_reports_come_as_csv_and_pdf_for_the_secretariat_and_customs_only(client, drawn):
    base = "/api/v1/quotas/reports"
    broker = account_services.issue_token(user=f.user("broker", Role.IMPORTER))
    sec = account_services.issue_token(user=f.user("sec", Role.SECRETARIAT))
    refused = client.get(
        f"{base}/monthly", {"period": drawn.pk}, HTTP_AUTHORIZATION=f"Bearer {broker}"
    )
    assert refused.status_code == 403
    auth = {"HTTP_AUTHORIZATION": f"Bearer {sec}"}
    as_csv = client.get(f"{base}/monthly", {"period": drawn.pk, "format": "csv"}, **auth)
    assert as_csv["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert [(r["make"], r["duty_forgone"]) for r in table] == [
        ("BYD", "6000.00"),
        ("Volkswagen", "4650.08"),
    ]
    pdf = client.get(f"{base}/reconciliation", {"period": drawn.pk, "format": "pdf"}, **auth)
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    rows = client.get(f"{base}/reconciliation", {"period": drawn.pk}, **auth).json()
    assert len(rows) == 3
    bad = client.get(f"{base}/monthly", {"period": drawn.pk, "format": "xls"}, **auth)
    assert (bad.status_code, bad.json()["field"]) == (400, "format")


def test_report_headers_are_in_the_readers_language(client, drawn):
    sec = account_services.issue_token(user=f.user("sec", Role.SECRETARIAT))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {sec}", "HTTP_ACCEPT_LANGUAGE": "ru"}
    base = "/api/v1/quotas/reports"
    monthly = client.get(f"{base}/monthly", {"period": drawn.pk, "format": "csv"}, **auth)
    header = next(csv.reader(io.StringIO(monthly.content.decode())))
    assert header[:3] == ["месяц", "марка", "модель"]
    assert header[-1] == "неуплаченная пошлина"
    rows = client.get(f"{base}/reconciliation", {"period": drawn.pk}, **auth).json()
    assert {r["detail"] for r in rows} == {"выпущен таможней, не зарегистрирован"}
    english = client.get(
        f"{base}/monthly", {"period": drawn.pk, "format": "csv"}, HTTP_AUTHORIZATION=f"Bearer {sec}"
    )
    assert english.content.decode().splitlines()[0] == ",".join(reports.MONTHLY_COLUMNS)


def test_pdf_cells_write_numbers_the_readers_way_and_the_csv_keeps_them_plain():
    with translation.override("ru"):
        assert reports.pdf_cell(Decimal("4650.08")) == "4\xa0650,08"
        assert reports.pdf_cell("KG-P-2026-000001") == "KG-P-2026-000001"
        text = reports.as_csv(rows=[{"v": Decimal("4650.08")}], columns=("v",))
    assert text.splitlines()[1] == "4650.08"


def test_csv_cells_cannot_run_as_spreadsheet_formulas():
    text = reports.as_csv(rows=[{"a": "=HYPERLINK(1)", "b": "ok"}], columns=("a", "b"))
    assert text.splitlines()[1] == "'=HYPERLINK(1),ok"
