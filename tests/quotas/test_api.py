"""The /api/v1/quotas contract and the pages a broker, customs and the public use."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.quotas import api
from tests.quotas import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1/quotas"


@pytest.fixture
def open_period():
    return f.period(
        volume=5,
        opens_at=timezone.now() - dt.timedelta(hours=1),
        allocation_window_ms=100,
        powertrains=["BEV"],
    )


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {account_services.issue_token(user=user)}"}


def application(period, vins, **vehicle):
    """A declaration body: a Kyrgyz resident citizen, BEVs at 20,000 USD under 8703 80."""
    spec = {
        "make": "BYD",
        "model": "Atto 3",
        "powertrain": "BEV",
        "model_year": 2025,
        "tariff_code": "8703 80 000 2",
        "customs_value": "20000",
        "currency": "USD",
        "origin_country": "CN",
    }
    spec.update(vehicle)
    return {
        "period": period.pk,
        "number": f.number(when=timezone.now()),
        "declarant": {
            "kind": "person",
            "tax_id": f.PERSON_PIN,
            "citizenship": "KG",
            "residence_country": "KG",
        },
        "vehicles": [{"vin": v, **spec} for v in vins],
    }


def post(client, path, body, headers):
    return client.post(path, body, content_type="application/json", **headers)


def test_customs_declares_by_api_and_each_vin_is_decided_with_a_reason(client, open_period):
    broker = f.customs()
    body = application(open_period, [f.vin(1), "LGXCE4CBQ00000002", f.vin(1)])
    body["vehicles"].append(
        {**body["vehicles"][0], "vin": f.vin(3), "model": "Song Plus DM-i", "powertrain": "PHEV"}
    )
    response = post(client, f"{API}/declarations", body, bearer(broker))
    assert response.status_code == 201, response.content
    data = response.json()
    got = [(v["vin"], v["decision"], v["reason"], bool(v["certificate"])) for v in data["vehicles"]]
    assert got == [
        (f.vin(1), "allocated", "allocated", True),
        ("LGXCE4CBQ00000002", "refused", "invalid_vin", False),
        (f.vin(1), "refused", "repeated_in_request", False),
        (f.vin(3), "refused", "powertrain_not_admitted", False),
    ]
    period = client.get(f"{API}/periods/{open_period.pk}").json()
    assert (period["volume"], period["allocated"], period["remaining"]) == (5, 1, 4)
    assert period["requests_per_day"][0]["vins_requested"] == 4
    # The same VIN again, in a later declaration: already drawn.
    again = post(
        client, f"{API}/declarations", application(open_period, [f.vin(1)]), bearer(broker)
    )
    assert again.json()["vehicles"][0]["reason"] == "already_drawn"
    # Only its submitter sees the application.
    own = client.get(f"{API}/declarations/{data['id']}", **bearer(broker))
    assert own.status_code == 200
    other = client.get(f"{API}/declarations/{data['id']}", **bearer(f.customs("other")))
    assert other.status_code == 404
    secretariat = f.user("sec", Role.SECRETARIAT)
    assert client.get(f"{API}/declarations/{data['id']}", **bearer(secretariat)).status_code == 404


def test_a_declaration_answer_is_rendered_exactly_as_its_documented_schema(client, open_period):
    """The answer is encoded without ninja's output validation (docs/decisions/0005): it must
    carry exactly ApplicationOut's fields, in its types, as ninja would have rendered them."""
    body = application(open_period, [f.vin(1), "LGXCE4CBQ00000002"])
    response = post(client, f"{API}/declarations", body, bearer(f.customs()))
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = response.json()
    assert set(data) == set(api.ApplicationOut.model_fields)
    assert {k for v in data["vehicles"] for k in v} == set(api.VehicleDecisionOut.model_fields)
    checked = api.ApplicationOut.model_validate(data)
    assert json.loads(api.render_answer(checked.model_dump())) == data
    assert data["vehicles"][0]["customs_value"] == "20000.00"


def test_declarations_need_a_customs_account(client, open_period):
    body = application(open_period, [f.vin(1)])
    assert post(client, f"{API}/declarations", body, {}).status_code == 401
    operator = f.user("op", Role.OPERATOR)
    assert post(client, f"{API}/declarations", body, bearer(operator)).status_code == 403
    importer = f.user("broker", Role.IMPORTER)
    assert post(client, f"{API}/declarations", body, bearer(importer)).status_code == 403
    customs = f.user("customs", Role.CUSTOMS)
    assert post(client, f"{API}/declarations", body, bearer(customs)).status_code == 201
    # The same number twice is one declaration registered twice: refused whole.
    again = post(client, f"{API}/declarations", body, bearer(customs))
    assert (again.status_code, again.json()["field"]) == (409, "number")


def test_bad_declarant_and_malformed_body_are_refused_whole(client, open_period):
    broker = f.customs()
    body = application(open_period, [f.vin(1)])
    body["declarant"]["tax_id"] = "12"
    response = post(client, f"{API}/declarations", body, bearer(broker))
    assert response.status_code == 400
    assert response.json()["field"] == "declarant.tax_id"
    body = application(open_period, [])
    assert post(client, f"{API}/declarations", body, bearer(broker)).status_code == 422


def test_certificate_verifies_publicly_customs_clears_and_vin_lookup_answers(client, open_period):
    broker = f.user("broker", Role.IMPORTER)
    officer = f.customs()
    data = post(
        client, f"{API}/declarations", application(open_period, [f.vin(1)]), bearer(officer)
    ).json()
    number = data["vehicles"][0]["certificate"]
    public = Client()
    cert = public.get(f"{API}/certificates/{number}").json()
    assert (cert["vin"], cert["status"]) == (f.vin(1), "issued")
    page = public.get(f"/quotas/certificates/{number}/")
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code
    assert cert["verify_url"].endswith(f"/quotas/certificates/{number}/")
    pdf = public.get(f"/quotas/certificates/{number}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert public.get(f"{API}/certificates/{number}/pdf").content.startswith(b"%PDF")
    assert public.get(f"{API}/certificates/NOPE-1").status_code == 404
    # Customs clears it; the broker cannot.
    path = f"{API}/certificates/{number}/clear"
    assert post(client, path, {}, bearer(broker)).status_code == 403
    customs = f.user("customs", Role.CUSTOMS)
    cleared = post(client, path, {"customs_declaration": "10702020/221126/0001"}, bearer(customs))
    assert cleared.json()["status"] == "cleared"
    lookup = public.get(f"{API}/vehicles/{f.vin(1)}").json()
    assert lookup["quota_import"] is True
    assert lookup["restricted"] is True
    assert lookup["restricted_until"] == cleared.json()["restricted_until"]
    assert public.get(f"{API}/vehicles/{f.vin(2)}").json()["quota_import"] is False
    assert b"until" in public.get(f"/quotas/vehicles/?vin={f.vin(1)}").content


def test_withdrawn_declaration_returns_its_unit(client, open_period):
    broker = f.customs()
    data = post(
        client,
        f"{API}/declarations",
        application(open_period, [f.vin(1), f.vin(2)]),
        bearer(broker),
    ).json()
    withdrawn = post(client, f"{API}/declarations/{data['id']}/withdraw", {}, bearer(broker))
    assert withdrawn.json()["status"] == "withdrawn"
    period = client.get(f"{API}/periods/{open_period.pk}").json()
    assert (period["allocated"], period["returned"], period["remaining"]) == (0, 2, 5)
    cert = client.get(f"{API}/certificates/{data['vehicles'][0]['certificate']}").json()
    assert cert["status"] == "withdrawn"


def test_public_page_shows_the_balance_move(client, open_period):
    page = client.get(f"/quotas/periods/{open_period.pk}/")
    assert b'data-k="allocated">0<' in page.content
    post(
        client,
        f"{API}/declarations",
        application(open_period, [f.vin(1), f.vin(2)]),
        bearer(f.customs()),
    )
    page = client.get(f"/quotas/periods/{open_period.pk}/")
    assert b'data-k="allocated">2<' in page.content
    assert b'data-k="remaining">3<' in page.content
    assert b"<svg" in page.content
    assert open_period.name.encode() in client.get("/quotas/").content


def test_broker_prechecks_by_form_and_by_csv_and_nothing_is_recorded(client, open_period):
    broker = f.user()
    client.force_login(broker)
    form = client.post(
        "/quotas/broker/",
        {
            "action": "form",
            "period": open_period.pk,
            "declarant_kind": "person",
            "declarant_tax_id": f.PERSON_PIN,
            "declarant_citizenship": "KG",
            "declarant_residence": "KG",
            "vehicles": (
                f"{f.vin(1)}, BYD, Atto 3, BEV, 2025\nLGXCE4CBI00000002, BYD, Atto 3, BEV, 2025"
            ),
        },
    )
    assert form.status_code == 200
    assert b"eligible" in form.content
    assert b"invalid_vin" in form.content
    csv_text = (
        "declarant_kind,declarant_tax_id,declarant_citizenship,declarant_residence,"
        "vin,make,model,powertrain,model_year\n"
        f"person,{f.pin(1)},KG,KG,{f.vin(3)},BYD,Atto 3,BEV,2025\n"
        f"person,{f.pin(2)},KZ,KZ,{f.vin(4)},JAC,iEV7S,BEV,2024\n"
        f"person,{f.pin(2)},KZ,KZ,{f.vin(5)},BYD,Song Plus DM-i,PHEV,2024\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("batch.csv", csv_text.encode(), content_type="text/csv")
    done = client.post(
        "/quotas/broker/", {"action": "csv", "period": open_period.pk, "file": upload}
    )
    assert done.status_code == 200
    assert b"declarant_not_resident" in done.content
    api = client.get(f"{API}/periods/{open_period.pk}").json()
    assert api["allocated"] == 0
    assert not open_period.requests.exists()
    bad = SimpleUploadedFile(
        "bad.csv",
        (csv_text + "person,123,KG,KG,X,BYD,Atto 3,BEV,2025\n").encode(),
        content_type="text/csv",
    )
    refused = client.post(
        "/quotas/broker/", {"action": "csv", "period": open_period.pk, "file": bad}
    )
    assert refused.status_code == 400
    assert b"line 5" in refused.content


def test_customs_registers_a_declaration_by_form(client, open_period):
    officer = f.customs()
    client.force_login(officer)
    number = f.number(when=timezone.now())
    page = client.post(
        "/quotas/customs/",
        {
            "period": open_period.pk,
            "number": number,
            "declarant_kind": "person",
            "declarant_tax_id": f.PERSON_PIN,
            "declarant_citizenship": "KG",
            "declarant_residence": "KG",
            "vehicles": (
                f"{f.vin(1)}, BYD, Atto 3, BEV, 8703 80 000 2, 21000, USD, CN, 2025\n"
                f"{f.vin(2)}, BYD, Atto 3, BEV, 8703 80 000 2, 21000, USD, CN, 2025"
            ),
        },
        follow=True,
    )
    assert page.status_code == 200
    assert number.encode() in page.content
    assert client.get(f"{API}/periods/{open_period.pk}").json()["allocated"] == 2
    bad = client.post(
        "/quotas/customs/",
        {
            "period": open_period.pk,
            "number": "41702010/05012026/1",
            "declarant_kind": "person",
            "declarant_tax_id": f.PERSON_PIN,
            "declarant_residence": "KG",
            "vehicles": f"{f.vin(3)}, BYD, Atto 3, BEV, 8703 80 000 2, 21000, USD, CN",
        },
    )
    assert bad.status_code == 400
    assert b"number:" in bad.content
    client.force_login(f.user())
    assert client.get("/quotas/customs/").status_code == 403


def test_broker_desk_needs_login_and_role(client):
    assert client.get("/quotas/broker/").status_code == 302
    client.force_login(f.user("op", Role.OPERATOR))
    assert client.get("/quotas/broker/").status_code == 403


def test_audit_log_is_for_the_secretariat(client, open_period):
    post(client, f"{API}/declarations", application(open_period, [f.vin(1)]), bearer(f.customs()))
    assert client.get(f"{API}/audit", **bearer(f.user("b2"))).status_code == 403
    events = client.get(f"{API}/audit", **bearer(f.user("sec", Role.SECRETARIAT))).json()
    assert {e["action"] for e in events} >= {"declaration.accepted", "request.decided"}
