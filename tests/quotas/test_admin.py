"""The admin edits periods through the services and cannot touch what records history."""

import pytest
from django.contrib.auth import get_user_model

from kubat.quotas import allocation
from kubat.quotas.models import AuditEvent, Certificate, PeriodBalance
from tests.quotas import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    return client


def test_audit_log_is_read_only_in_the_admin(admin_client):
    p = f.period()
    f.request(f.user(), p, [f.vin(1)])
    allocation.settle_due(period_id=p.pk, now=f.at(5))
    event = AuditEvent.objects.first()
    assert admin_client.get("/admin/quotas/auditevent/").status_code == 200
    assert admin_client.get("/admin/quotas/auditevent/add/").status_code == 403
    url = f"/admin/quotas/auditevent/{event.pk}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    cert = Certificate.objects.get()
    assert admin_client.post(f"/admin/quotas/certificate/{cert.pk}/delete/").status_code == 403
    assert admin_client.post(f"/admin/quotas/certificate/{cert.pk}/change/").status_code == 403


def test_volume_edit_keeps_the_balance_in_step(admin_client):
    p = f.period(volume=10)
    from kubat.quotas import services

    p.volume = 12
    services.save_period(period=p)
    assert PeriodBalance.objects.get(period=p).volume == 12
    f.request(f.user(), p, [f.vin(i) for i in range(5)])
    allocation.settle_due(period_id=p.pk, now=f.at(5))
    p.volume = 4
    from kubat.core.errors import Conflict

    with pytest.raises(Conflict):
        services.save_period(period=p)
