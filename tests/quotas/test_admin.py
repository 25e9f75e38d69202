"""The admin edits periods through the services and cannot touch what records history."""

import pytest
from django.contrib.auth import get_user_model
from django.forms import MultiWidget

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
    f.request(f.customs(), p, [f.vin(1)])
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
    f.request(f.customs(), p, [f.vin(i) for i in range(5)])
    allocation.settle_due(period_id=p.pk, now=f.at(5))
    p.volume = 4
    from kubat.core.errors import Conflict

    with pytest.raises(Conflict):
        services.save_period(period=p)


def _change_form(response) -> dict[str, object]:
    """The POST data a browser would send back for an admin change page, unchanged."""
    context = response.context
    forms = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, object] = {}
    for form in forms:
        for name, field in form.fields.items():
            bound = form[name]
            if isinstance(field.widget, MultiWidget):
                for i, part in enumerate(field.widget.decompress(bound.value())):
                    data[f"{bound.html_name}_{i}"] = "" if part is None else part
            elif bound.value() is not None:
                data[bound.html_name] = bound.value()
    return data


def test_admin_lowers_a_period_and_its_sub_quota_together(admin_client):
    from kubat.quotas import services

    p = f.period(volume=10)
    services.set_sub_quota(period=p, declarant_class="authorised_dealer", volume=8)
    url = f"/admin/quotas/quotaperiod/{p.pk}/change/"
    data = _change_form(admin_client.get(url))
    data.update({"volume": 6, "sub_quotas-0-volume": 5})
    assert admin_client.post(url, data).status_code == 302
    assert PeriodBalance.objects.get(period=p).volume == 6
    assert p.sub_quotas.get().volume == 5


def test_admin_refuses_a_volume_below_sub_quotas_or_allocation_with_the_form(admin_client):
    from kubat.quotas import services

    p = f.period(volume=10)
    services.set_sub_quota(period=p, declarant_class="authorised_dealer", volume=4)
    services.set_sub_quota(period=p, declarant_class="other", volume=4)
    f.request(f.customs(), p, [f.vin(i) for i in range(3)])
    allocation.settle_due(period_id=p.pk, now=f.at(5))
    url = f"/admin/quotas/quotaperiod/{p.pk}/change/"
    for volume in (7, 2):  # below the sub-quota; below the 3 allocated
        data = _change_form(admin_client.get(url))
        data["volume"] = volume
        page = admin_client.post(url, data)
        assert page.status_code == 200  # the form again, with the error
        assert b"errorlist" in page.content
    assert PeriodBalance.objects.get(period=p).volume == 10
