"""Locations, receiver role: operators write their own locations, ordered by last_updated."""

from __future__ import annotations

import pytest
from django.test import Client

from kubat.registry.models import EVSE, EVSEStatusEvent, Location, SearchPoint, StatCounter
from tests.ocpi.factories import call, connector, evse, location, location_url, registered_peer

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer() -> None:
    registered_peer("KG*ABC")


def _put(client: Client, **over: object) -> None:
    response = call(client, "PUT", location_url(), location(**over))
    assert response.json()["status_code"] == 1000, response.json()


def _counter(dimension: str) -> int:
    row = StatCounter.objects.filter(country_code="KG", dimension=dimension, key="").first()
    return row.value if row else 0


def test_put_then_get_gives_back_the_location(client: Client, peer: None) -> None:
    _put(client)
    got = call(client, "GET", location_url()).json()["data"]
    assert got == location()
    assert Location.objects.get().source == "ocpi"


def test_another_partys_location_is_refused(client: Client, peer: None) -> None:
    registered_peer("KZ*XYZ", token="other-operator")
    body = location(party="KZ*XYZ")
    response = call(client, "PUT", location_url(party="KZ*XYZ"), body)
    assert response.status_code == 403
    assert Location.objects.count() == 0
    # and the body cannot smuggle another party in under the caller's own URL
    response = call(client, "PUT", location_url(), body)
    assert response.json()["status_code"] == 2001
    assert Location.objects.count() == 0


def test_operator_cannot_patch_another_partys_evse(client: Client, peer: None) -> None:
    registered_peer("KZ*XYZ", token="other-operator")
    call(
        client,
        "PUT",
        location_url(party="KZ*XYZ"),
        location(party="KZ*XYZ"),
        token="other-operator",
    )
    patch = {"status": "CHARGING", "last_updated": "2026-02-01T00:00:00Z"}
    response = call(client, "PATCH", location_url("BSK1", "1", party="KZ*XYZ"), patch)
    assert response.status_code == 403
    assert EVSE.objects.filter(status="CHARGING").count() == 0


def test_older_put_never_overwrites_newer(client: Client, peer: None) -> None:
    _put(client, name="New name", last_updated="2026-03-01T00:00:00Z")
    response = call(
        client,
        "PUT",
        location_url(),
        location(name="Old name", last_updated="2026-02-01T00:00:00Z"),
    )
    assert response.status_code == 200  # an OCPI-layer refusal: HTTP 200, OCPI 2000
    assert response.json()["status_code"] == 2000
    assert Location.objects.get().name == "New name"


def test_older_status_patch_never_overwrites_newer(client: Client, peer: None) -> None:
    _put(client)
    url = location_url("BSK1", "1")
    call(client, "PATCH", url, {"status": "CHARGING", "last_updated": "2026-03-01T00:00:00Z"})
    response = call(
        client, "PATCH", url, {"status": "AVAILABLE", "last_updated": "2026-02-01T00:00:00Z"}
    )
    assert response.status_code == 200
    assert response.json()["status_code"] == 2000
    assert EVSE.objects.get(uid="1").status == "CHARGING"


def test_patch_without_last_updated_is_refused(client: Client, peer: None) -> None:
    _put(client)
    response = call(client, "PATCH", location_url("BSK1", "1"), {"status": "CHARGING"})
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("last_updated")
    response = call(client, "PATCH", location_url(), {"name": "x"})
    assert response.json()["status_code"] == 2001


def test_status_patch_is_kept_as_an_event_and_moves_location_last_updated(
    client: Client, peer: None
) -> None:
    _put(client)
    at = "2026-02-01T10:00:00Z"
    response = call(
        client, "PATCH", location_url("BSK1", "2"), {"status": "CHARGING", "last_updated": at}
    )
    assert response.json()["status_code"] == 1000
    got = call(client, "GET", location_url()).json()["data"]
    assert got["evses"][1]["status"] == "CHARGING"
    assert got["evses"][1]["last_updated"] == at
    assert got["last_updated"] == at
    events = list(EVSEStatusEvent.objects.order_by("pk").values_list("status", flat=True))
    assert events == ["AVAILABLE", "AVAILABLE", "CHARGING"]  # two from the PUT, one PATCH


def test_unknown_evse_gets_2003(client: Client, peer: None) -> None:
    _put(client)
    response = call(
        client,
        "PATCH",
        location_url("BSK1", "9"),
        {"status": "CHARGING", "last_updated": "2026-02-01T00:00:00Z"},
    )
    assert response.status_code == 404
    assert response.json()["status_code"] == 2003


@pytest.mark.parametrize("status", ["ASLEEP", [], {"x": 1}, 7, None])
def test_unknown_or_non_text_status_gets_2001(client: Client, peer: None, status: object) -> None:
    _put(client)
    response = call(
        client,
        "PATCH",
        location_url("BSK1", "1"),
        {"status": status, "last_updated": "2026-02-01T00:00:00Z"},
    )
    assert response.status_code == 200
    assert response.json()["status_code"] == 2001


def test_evse_removed_leaves_the_public_dataset(client: Client, peer: None) -> None:
    _put(client)
    assert _counter("evses") == 2
    assert Location.objects.get().evse_count == 2
    patch = {"status": "REMOVED", "last_updated": "2026-02-01T00:00:00Z"}
    assert call(client, "PATCH", location_url("BSK1", "1"), patch).json()["status_code"] == 1000
    assert _counter("evses") == 1
    assert _counter("connectors") == 1
    assert Location.objects.get().evse_count == 1
    back = {"status": "AVAILABLE", "last_updated": "2026-02-02T00:00:00Z"}
    assert call(client, "PATCH", location_url("BSK1", "1"), back).json()["status_code"] == 1000
    assert _counter("evses") == 2


def test_put_evse_adds_it_and_updates_derived_values(client: Client, peer: None) -> None:
    _put(client)
    body = evse("3", connectors=[connector(max_electric_power=180000, max_amperage=250)])
    body["last_updated"] = "2026-02-01T00:00:00Z"
    assert call(client, "PUT", location_url("BSK1", "3"), body).json()["status_code"] == 1000
    loc = Location.objects.get()
    assert loc.evse_count == 3
    assert loc.max_power_kw == 180
    assert loc.charging_class == "HPC"
    assert SearchPoint.objects.filter(location=loc, code=0).get().max_kw == 180
    assert call(client, "GET", location_url("BSK1", "3")).json()["data"] == body


def test_put_connector_and_patch_connector(client: Client, peer: None) -> None:
    _put(client)
    body = connector("2", standard="IEC_62196_T2_COMBO", last_updated="2026-02-01T00:00:00Z")
    assert call(client, "PUT", location_url("BSK1", "1", "2"), body).json()["status_code"] == 1000
    patch = {"tariff_ids": ["15"], "last_updated": "2026-02-02T00:00:00Z"}
    assert (
        call(client, "PATCH", location_url("BSK1", "1", "2"), patch).json()["status_code"] == 1000
    )
    got = call(client, "GET", location_url("BSK1", "1", "2")).json()["data"]
    assert got == {**body, **patch}
    assert _counter("connectors") == 3
    evse_got = call(client, "GET", location_url("BSK1", "1")).json()["data"]
    assert evse_got["last_updated"] == "2026-02-02T00:00:00Z"


def test_patch_location_field(client: Client, peer: None) -> None:
    _put(client)
    patch = {"name": "Osh Bazaar", "last_updated": "2026-02-01T00:00:00Z"}
    assert call(client, "PATCH", location_url(), patch).json()["status_code"] == 1000
    got = call(client, "GET", location_url()).json()["data"]
    assert got == location(**patch)


def test_patch_with_invalid_value_names_the_field(client: Client, peer: None) -> None:
    _put(client)
    patch = {"address": "x" * 46, "last_updated": "2026-02-01T00:00:00Z"}
    response = call(client, "PATCH", location_url(), patch)
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("address")


def test_ids_compare_case_insensitively(client: Client, peer: None) -> None:
    _put(client)
    assert call(client, "GET", location_url("bsk1")).json()["status_code"] == 1000
    url = "/ocpi/2.2.1/receiver/locations/kg/abc/bsk1/1"
    patch = {"status": "BLOCKED", "last_updated": "2026-02-01T00:00:00Z"}
    assert call(client, "PATCH", url, patch).json()["status_code"] == 1000
    _put(client, id="bsk1", last_updated="2026-03-01T00:00:00Z")
    assert Location.objects.count() == 1


def test_a_pushed_location_counts_as_a_fresh_live_status_report(client: Client, peer: None) -> None:
    from django.utils import timezone

    from kubat.registry import compliance, selectors

    _put(client)
    location = selectors.get_location(location_id=Location.objects.get().pk)
    rules = {v.rule for v in compliance.check_location(location, now=timezone.now()).violations}
    assert "status-fresh" not in rules
