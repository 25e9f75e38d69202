"""The /api/v1/quotas contract and the pages a broker, customs and the public use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
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
    spec = {"make": "BYD", "model": "Atto 3", "powertrain": "BEV", "model_year": 2025}
    spec.update(vehicle)
    return {
        "period": period.pk,
        "declarant": {"kind": "person", "tax_id": f.PERSON_PIN},
        "vehicles": [{"vin": v, **spec} for v in vins],
    }


def post(client, path, body, headers):
    return client.post(path, body, content_type="application/json", **headers)


def test_broker_applies_by_api_and_each_vin_is_decided_with_a_reason(client, open_period):
    broker = f.user()
    body = application(open_period, [f.vin(1), "LGXCE4CBQ00000002", f.vin(1)])
    body["vehicles"].append(
        {"vin": f.vin(3), "make": "BYD", "model": "Song Plus DM-i", "powertrain": "PHEV"}
    )
    response = post(client, f"{API}/applications", body, bearer(broker))
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
    # The same VIN again, in a later request: already drawn.
    again = post(
        client, f"{API}/applications", application(open_period, [f.vin(1)]), bearer(broker)
    )
    assert again.json()["vehicles"][0]["reason"] == "already_drawn"
    # Only its submitter sees the application.
    own = client.get(f"{API}/applications/{data['id']}", **bearer(broker))
    assert own.status_code == 200
    other = client.get(f"{API}/applications/{data['id']}", **bearer(f.user("other")))
    assert other.status_code == 404
    secretariat = f.user("sec", Role.SECRETARIAT)
    assert client.get(f"{API}/applications/{data['id']}", **bearer(secretariat)).status_code == 404


def test_applications_need_an_importer_or_customs_account(client, open_period):
    body = application(open_period, [f.vin(1)])
    assert post(client, f"{API}/applications", body, {}).status_code == 401
    operator = f.user("op", Role.OPERATOR)
    assert post(client, f"{API}/applications", body, bearer(operator)).status_code == 403
    customs = f.user("customs", Role.CUSTOMS)
    assert post(client, f"{API}/applications", body, bearer(customs)).status_code == 201


def test_bad_declarant_and_malformed_body_are_refused_whole(client, open_period):
    broker = f.user()
    body = application(open_period, [f.vin(1)])
    body["declarant"]["tax_id"] = "12"
    response = post(client, f"{API}/applications", body, bearer(broker))
    assert response.status_code == 400
    assert response.json()["field"] == "declarant.tax_id"
    body = application(open_period, [])
    assert post(client, f"{API}/applications", body, bearer(broker)).status_code == 422


def test_certificate_verifies_publicly_customs_clears_and_vin_lookup_answers(client, open_period):
    broker = f.user()
    data = post(
        client, f"{API}/applications", application(open_period, [f.vin(1)]), bearer(broker)
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


def test_withdrawn_application_returns_its_unit(client, open_period):
    broker = f.user()
    data = post(
        client,
        f"{API}/applications",
        application(open_period, [f.vin(1), f.vin(2)]),
        bearer(broker),
    ).json()
    withdrawn = post(client, f"{API}/applications/{data['id']}/withdraw", {}, bearer(broker))
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
        f"{API}/applications",
        application(open_period, [f.vin(1), f.vin(2)]),
        bearer(f.user()),
    )
    page = client.get(f"/quotas/periods/{open_period.pk}/")
    assert b'data-k="allocated">2<' in page.content
    assert b'data-k="remaining">3<' in page.content
    assert b"<svg" in page.content
    assert open_period.name.encode() in client.get("/quotas/").content


def test_broker_submits_by_form_and_by_csv(client, open_period):
    broker = f.user()
    client.force_login(broker)
    form = client.post(
        "/quotas/broker/",
        {
            "action": "form",
            "period": open_period.pk,
            "declarant_kind": "person",
            "declarant_tax_id": f.PERSON_PIN,
            "vehicles": (
                f"{f.vin(1)}, BYD, Atto 3, BEV, 2025\nLGXCE4CBI00000002, BYD, Atto 3, BEV, 2025"
            ),
        },
        follow=True,
    )
    assert form.status_code == 200
    assert b"allocated" in form.content
    assert b"invalid_vin" in form.content
    csv_text = (
        "declarant_kind,declarant_tax_id,vin,make,model,powertrain,model_year\n"
        f"person,{f.pin(1)},{f.vin(3)},BYD,Atto 3,BEV,2025\n"
        f"person,{f.pin(2)},{f.vin(4)},JAC,iEV7S,BEV,2024\n"
        f"person,{f.pin(2)},{f.vin(5)},BYD,Song Plus DM-i,PHEV,2024\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("batch.csv", csv_text.encode(), content_type="text/csv")
    done = client.post(
        "/quotas/broker/", {"action": "csv", "period": open_period.pk, "file": upload}, follow=True
    )
    assert done.status_code == 200
    api = client.get(f"{API}/periods/{open_period.pk}").json()
    assert api["allocated"] == 3
    desk = client.get("/quotas/broker/").content.decode()
    assert "<td>2</td><td>1</td><td>1</td>" in desk  # the CSV declarant with a PHEV
    bad = SimpleUploadedFile(
        "bad.csv",
        (csv_text + "person,123,X,BYD,Atto 3,BEV,2025\n").encode(),
        content_type="text/csv",
    )
    refused = client.post(
        "/quotas/broker/", {"action": "csv", "period": open_period.pk, "file": bad}
    )
    assert refused.status_code == 400
    assert b"line 5" in refused.content
    assert client.get(f"{API}/periods/{open_period.pk}").json()["allocated"] == 3


def test_broker_desk_needs_login_and_role(client):
    assert client.get("/quotas/broker/").status_code == 302
    client.force_login(f.user("op", Role.OPERATOR))
    assert client.get("/quotas/broker/").status_code == 403


def test_audit_log_is_for_the_secretariat(client, open_period):
    post(client, f"{API}/applications", application(open_period, [f.vin(1)]), bearer(f.user()))
    assert client.get(f"{API}/audit", **bearer(f.user("b2"))).status_code == 403
    events = client.get(f"{API}/audit", **bearer(f.user("sec", Role.SECRETARIAT))).json()
    assert {e["action"] for e in events} >= {"request.received", "request.decided"}
