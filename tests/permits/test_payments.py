"""Fees: per track as data, a creditor reference, paid before the completeness check passes."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from kubat.core.errors import Conflict, PermissionDenied
from kubat.permits import payments, services
from kubat.permits.models import AuditAction, CaseStatus, Payment, PermitCase
from tests.permits.factories import T0, World, draft, make_world, pay

pytestmark = pytest.mark.django_db
CALLBACK = "/api/v1/permits/payments/local/callback"


def _submitted(world: World, **overrides: object) -> PermitCase:
    return services.submit_case(user=world.applicant, case=draft(world, **overrides), now=T0)


def _callback(case: PermitCase, *, txn: str = "TXN-1", secret: str = "") -> Any:
    body = json.dumps(
        {
            "reference": case.payment_reference,
            "amount": str(case.fee_outstanding),
            "currency": case.fee_currency,
            "transaction_id": txn,
            "paid_at": "2026-10-01T06:00:00+00:00",
        }
    ).encode()
    key = secret or payments.LocalHmacProvider().secret()
    header = payments.hmac_header(secret=key, body=body, at=int(time.time()))
    return Client().post(
        CALLBACK,
        data=body,
        content_type="application/json",
        headers={payments.SIGNATURE_HEADER: header},
    )


def test_iso_11649_creditor_reference_check_digits() -> None:
    assert payments.creditor_reference("539007547034") == "RF18539007547034"
    assert payments.is_valid_reference("RF18 5390 0754 7034")
    assert not payments.is_valid_reference("RF19539007547034")


def test_the_fee_comes_from_the_track_with_a_payment_reference() -> None:
    world = make_world("KZ")
    case = _submitted(world)
    assert case.track == "permit"
    assert (case.fee_amount, case.fee_currency) == (Decimal("43250.00"), "KZT")
    assert payments.is_valid_reference(case.payment_reference)
    assert case.fee_outstanding == Decimal("43250.00")


def test_an_unpaid_case_cannot_pass_completeness() -> None:
    world = make_world("KZ")
    case = _submitted(world)
    with pytest.raises(Conflict) as refused:
        services.check_completeness(user=world.secretariat, case=case, complete=True, now=T0)
    assert refused.value.field == "fee"
    assert case.payment_reference in refused.value.message
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert not case.approvals.exists()


def test_an_incomplete_case_can_be_returned_before_it_is_paid() -> None:
    world = make_world("KZ")
    case = _submitted(world)
    case = services.check_completeness(
        user=world.secretariat, case=case, complete=False, reason="unsigned lease", now=T0
    )
    assert case.status == CaseStatus.RETURNED


def test_the_secretariat_confirms_a_payment_and_the_case_passes() -> None:
    world = make_world("KZ")
    case = _submitted(world)
    with pytest.raises(PermissionDenied):
        payments.confirm_payment(
            user=world.applicant, case=case, amount="43250.00", transaction_id="X", now=T0
        )
    case = pay(world, case)
    assert case.fee_outstanding == 0
    assert case.fee_paid_at == T0
    assert case.audit.filter(action=AuditAction.FEE_PAID).count() == 1
    case = services.check_completeness(user=world.secretariat, case=case, complete=True, now=T0)
    assert case.status == CaseStatus.IN_REVIEW


def test_a_partial_payment_leaves_the_rest_outstanding() -> None:
    world = make_world("KZ")
    case = _submitted(world)
    payments.confirm_payment(
        user=world.secretariat, case=case, amount="40000", transaction_id="B-1", now=T0
    )
    case.refresh_from_db()
    assert case.fee_outstanding == Decimal("3250.00")
    with pytest.raises(Conflict):
        services.check_completeness(user=world.secretariat, case=case, complete=True, now=T0)


def test_a_track_without_a_fee_needs_no_payment() -> None:
    world = make_world("KZ")
    small = [{"count": 1, "power_type": "AC_3_PHASE", "max_kw": 11, "standards": ["IEC_62196_T2"]}]
    case = _submitted(world, planned_evses=small)
    assert case.track == "notification"
    assert case.fee_amount == 0
    case = services.check_completeness(user=world.secretariat, case=case, complete=True, now=T0)
    assert case.status == CaseStatus.ISSUED


def test_a_signed_provider_callback_pays_the_fee() -> None:
    world = make_world("KZ")
    case = _submitted(world)
    response = _callback(case)
    assert response.status_code == 200, response.content
    assert response.json()["fee_outstanding"] == "0.00"
    case.refresh_from_db()
    assert case.fee_outstanding == 0
    assert Payment.objects.get(case=case).method == "local"
    services.check_completeness(user=world.secretariat, case=case, complete=True, now=T0)


def test_the_same_callback_twice_records_the_payment_once() -> None:
    world = make_world("KZ")
    case = _submitted(world)
    assert _callback(case, txn="TXN-9").status_code == 200
    assert _callback(case, txn="TXN-9").status_code == 200
    assert Payment.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.fee_paid_amount == Decimal("43250.00")


def test_a_callback_with_a_wrong_signature_is_refused_and_records_nothing() -> None:
    world = make_world("KZ")
    case = _submitted(world)
    response = _callback(case, secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    unsigned = Client().post(CALLBACK, data=b"{}", content_type="application/json")
    assert unsigned.status_code == 401
    assert not Payment.objects.exists()


def test_a_callback_for_an_unknown_reference_names_the_field() -> None:
    world = make_world("KZ")
    case = _submitted(world)
    case.payment_reference = payments.creditor_reference("KZP99999999")
    response = _callback(case)
    assert response.status_code == 404
    assert response.json()["field"] == "reference"


def test_a_callback_in_another_currency_is_refused() -> None:
    world = make_world("KZ")
    case = _submitted(world)
    case.fee_currency = "USD"
    response = _callback(case)
    assert response.status_code == 400
    assert response.json()["field"] == "currency"


def test_the_secretariat_records_a_payment_on_its_page() -> None:
    world = make_world("KZ")
    case = _submitted(world)
    client = Client()
    client.force_login(world.secretariat)
    page = client.get("/permits/secretariat/").content.decode()
    assert case.payment_reference in page
    assert "unpaid" in page
    response = client.post(
        f"/permits/cases/{case.pk}/payment/",
        {"transaction_id": "KASPI-77"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Payment received" not in response.content.decode()
    case.refresh_from_db()
    assert case.fee_outstanding == 0
