"""The admin is a road into the one write path: edits keep derived values and leave history."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from kubat.registry import services
from kubat.registry.models import EVSE, EVSEStatusEvent, Location, StatCounter
from tests.registry.factories import evse, location_data, save

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(get_user_model().objects.create_superuser("secretariat-admin"))
    return client


def _form_data(response: Any) -> dict[str, Any]:
    """What the change page would post back unchanged: the form's values and empty inlines."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if field.__class__.__name__ == "JSONField":
            value = value if isinstance(value, str) else json.dumps(value)
        data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data


def _counters() -> list[tuple[str, str, str, int]]:
    return sorted(
        StatCounter.objects.exclude(value=0).values_list(
            "country_code", "dimension", "key", "value"
        )
    )


def test_an_admin_edit_of_a_location_is_stamped_and_keeps_the_counters(admin_client):
    location = save(location_data(ocpi_id="ADM1"))
    page = admin_client.get(f"/admin/registry/location/{location.pk}/change/")
    data = {**_form_data(page), "name": "Renamed by the secretariat", "region": "Chuy"}
    response = admin_client.post(f"/admin/registry/location/{location.pk}/change/", data)
    assert response.status_code == 302, response.content[:3000]
    stored = Location.objects.get(pk=location.pk)
    assert stored.name == "Renamed by the secretariat"
    assert stored.last_updated > location.last_updated  # stamped: mirrors see the edit
    assert stored.source == location.source  # an edit keeps the location's provenance
    maintained = _counters()
    services.rebuild_derived()
    assert _counters() == maintained
    assert ("KG", "locations_by_region", "Chuy", 1) in maintained


def test_an_admin_status_change_leaves_an_admin_event(admin_client):
    location = save(location_data(ocpi_id="ADM2", evses=[evse("E1", status="AVAILABLE")]))
    target = EVSE.objects.get(location=location)
    page = admin_client.get(f"/admin/registry/evse/{target.pk}/change/")
    data = {**_form_data(page), "status": "OUTOFORDER"}
    response = admin_client.post(f"/admin/registry/evse/{target.pk}/change/", data)
    assert response.status_code == 302, response.content[:3000]
    last = EVSEStatusEvent.objects.filter(evse_id=target.pk).order_by("pk").last()
    assert last is not None
    assert (last.status, last.source) == ("OUTOFORDER", "admin")
    assert EVSE.objects.get(pk=target.pk).status_updated_at is not None
