"""Certificates after allocation: clearance, withdrawal, lapse, the resale lookup, the audit log."""

import datetime as dt

import pytest
from django.db import DatabaseError, transaction

from kubat.accounts.roles import Role
from kubat.core.errors import Conflict, NotFound, PermissionDenied
from kubat.quotas import allocation, audit, selectors, services
from kubat.quotas.enums import CertificateStatus
from kubat.quotas.models import AuditEvent, Certificate, PeriodBalance
from tests.quotas import factories as f

pytestmark = pytest.mark.django_db


def allocated(n=2, volume=10, validity_days=90):
    p = f.period(volume=volume, validity_days=validity_days)
    broker = f.customs()
    req = f.request(broker, p, [f.vin(i) for i in range(n)])
    allocation.settle_due(period_id=p.pk, now=f.at(2))
    return p, broker, req


def test_customs_clears_a_certificate_and_the_resale_restriction_runs_three_years():
    p, _, _req = allocated()
    cert = Certificate.objects.filter(period=p).first()
    customs = f.user("customs", Role.CUSTOMS)
    services.clear_certificate(user=customs, number=cert.number, now=f.at(86400))
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.CLEARED
    assert cert.restricted_until == dt.date(2029, 1, 6)
    lookup = selectors.vehicle_status(vin=cert.vin, today=dt.date(2027, 6, 1))
    assert lookup["quota_import"] is True
    assert lookup["restricted"] is True
    assert lookup["restricted_until"] == "2029-01-06"
    assert selectors.vehicle_status(vin=cert.vin, today=dt.date(2029, 1, 7))["restricted"] is False
    assert PeriodBalance.objects.get(period=p).cleared == 1
    with pytest.raises(Conflict):
        services.clear_certificate(user=customs, number=cert.number, now=f.at(86401))


def test_only_customs_may_clear():
    p, _, _ = allocated()
    cert = Certificate.objects.filter(period=p).first()
    with pytest.raises(PermissionDenied):
        services.clear_certificate(user=f.user("broker", Role.IMPORTER), number=cert.number)


def test_withdrawn_request_returns_its_units():
    p, broker, req = allocated(n=3, volume=3)
    assert PeriodBalance.objects.get(period=p).remaining == 0
    services.withdraw_request(user=broker, request_id=req.pk, now=f.at(10))
    balance = PeriodBalance.objects.get(period=p)
    assert (balance.allocated, balance.returned, balance.remaining) == (0, 3, 3)
    assert set(Certificate.objects.values_list("status", flat=True)) == {"withdrawn"}
    # The VINs may be requested again: the units were never used.
    again = f.request(broker, p, [f.vin(0)], seconds=20, tax_id=f.pin(4))
    allocation.settle_due(period_id=p.pk, now=f.at(30))
    assert again.vehicles.get().decision == "allocated"
    assert audit.balance_from_audit(period=p)["allocated"] == 1


def test_only_the_submitter_sees_or_withdraws_a_request():
    _p, _broker, req = allocated()
    other = f.user("other")
    with pytest.raises(NotFound):
        services.get_request(user=other, request_id=req.pk)
    with pytest.raises(NotFound):
        services.withdraw_request(user=other, request_id=req.pk)


def test_uncleared_allocations_lapse_and_return_to_the_balance():
    p, _, _ = allocated(n=2, validity_days=30)
    cert = Certificate.objects.filter(period=p).first()
    services.clear_certificate(
        user=f.user("customs", Role.CUSTOMS), number=cert.number, now=f.at(60)
    )
    report = services.lapse_uncleared(now=f.at(31 * 86400))
    assert report == {p.name: 1}
    balance = PeriodBalance.objects.get(period=p)
    assert (balance.allocated, balance.cleared, balance.returned) == (1, 1, 1)
    assert audit.balance_from_audit(period=p) == {"allocated": 1, "cleared": 1}


def test_audit_log_cannot_be_changed_or_deleted():
    allocated()
    event = AuditEvent.objects.first()
    event.action = "forged"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().update(action="forged")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


@pytest.mark.postgres_only
def test_database_itself_refuses_to_change_the_audit_log():
    allocated()
    from django.db import connection

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE quotas_auditevent SET action = 'forged'")
