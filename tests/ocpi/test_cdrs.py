"""CDRs, receiver role: the specification's example stored and read back, never changed, only
for the caller's own parties, and its energy in the emissions figures."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.test import Client

from kubat.ocpi import cdrs
from kubat.ocpi.models import ChargeDetailRecord
from kubat.registry.models import Location
from kubat.strategy import emissions
from kubat.strategy import services as strategy_services
from tests.ocpi.factories import call, example, location, location_url, registered_peer

pytestmark = pytest.mark.django_db

MODULE = "/ocpi/2.2.1/receiver/cdrs/"


def _cdr(**over: Any) -> dict[str, Any]:
    obj = example("cdr_example.json")
    obj.update(over)
    return obj


def test_the_specifications_cdr_is_stored_and_read_back_at_the_url_given(client: Client) -> None:
    registered_peer("BE*BEC")
    obj = _cdr()
    response = call(client, "POST", MODULE, obj)
    assert response.status_code == 201
    assert response.json()["status_code"] == 1000
    url = response["Location"]
    assert url.endswith("/ocpi/2.2.1/receiver/cdrs/BE/BEC/12345")
    got = call(client, "GET", url.split("testserver", 1)[-1]).json()
    assert got["status_code"] == 1000
    assert got["data"]["total_energy"] == obj["total_energy"]
    assert got["data"]["cdr_location"]["evse_uid"] == "3256"


def test_the_version_details_advertise_the_cdrs_receiver(client: Client) -> None:
    registered_peer("BE*BEC")
    endpoints = call(client, "GET", "/ocpi/2.2.1").json()["data"]["endpoints"]
    assert {"identifier": "cdrs", "role": "RECEIVER"} in [
        {"identifier": e["identifier"], "role": e["role"]} for e in endpoints
    ]


def test_a_cdr_is_never_changed_a_retry_is_answered_with_the_same_url(client: Client) -> None:
    registered_peer("BE*BEC")
    first = call(client, "POST", MODULE, _cdr())
    again = call(client, "POST", MODULE, _cdr())
    assert again.status_code == 200
    assert again["Location"] == first["Location"]
    changed = call(client, "POST", MODULE, _cdr(total_energy=99.0)).json()
    assert changed["status_code"] == 2001
    assert "credit" in changed["status_message"]
    assert ChargeDetailRecord.objects.get().total_energy_kwh == pytest.approx(15.342)


def test_an_operator_posts_cdrs_only_for_its_own_parties(client: Client) -> None:
    registered_peer("KG*ABC")
    response = call(client, "POST", MODULE, _cdr())
    assert response.json()["status_code"] != 1000
    assert not ChargeDetailRecord.objects.exists()


def test_a_malformed_cdr_is_refused_naming_the_field(client: Client) -> None:
    registered_peer("BE*BEC")
    obj = _cdr()
    del obj["cdr_location"]["evse_uid"]
    reply = call(client, "POST", MODULE, obj).json()
    assert reply["status_code"] == 2001
    assert "evse_uid" in reply["status_message"]
    late = _cdr(end_date_time="2015-06-29T20:00:00Z")
    assert call(client, "POST", MODULE, late).json()["status_code"] == 2001
    assert not ChargeDetailRecord.objects.exists()


def test_an_unknown_cdr_is_2003(client: Client) -> None:
    registered_peer("BE*BEC")
    reply = call(client, "GET", f"{MODULE}BE/BEC/nope").json()
    assert reply["status_code"] == 2003


def _kg_cdr(cdr_id: str, kwh: float, start: str, **over: Any) -> dict[str, Any]:
    obj = copy.deepcopy(_cdr())
    obj.update(
        country_code="KG",
        party_id="ABC",
        id=cdr_id,
        start_date_time=start,
        end_date_time=start.replace("T10", "T11"),
        total_energy=kwh,
        **over,
    )
    obj["tariffs"][0].update(country_code="KG", party_id="ABC")
    obj["cdr_location"].update(id="BSK1", country="KGZ")
    obj["charging_periods"][0]["start_date_time"] = start
    return obj


def test_cdr_energy_counts_per_location_and_month_a_credit_negative_an_upload_first(
    client: Client,
) -> None:
    registered_peer("KG*ABC")
    call(client, "PUT", location_url(), location())
    region = Location.objects.get(ocpi_id="BSK1").region
    for cdr in (
        _kg_cdr("S1", 40.0, "2026-03-02T10:00:00Z"),
        _kg_cdr("S2", 60.0, "2026-03-20T10:00:00Z"),
        _kg_cdr("S3", 25.0, "2026-04-02T10:00:00Z"),
        _kg_cdr("C1", 60.0, "2026-03-20T10:00:00Z", credit=True, credit_reference_id="S2"),
    ):
        assert call(client, "POST", MODULE, cdr).status_code == 201
    rows = cdrs.energy_by_location_month(country_code="KG", year=2026)
    assert [(r["month"].month, r["kwh"], r["region"]) for r in rows] == [
        (3, 40.0, region),
        (4, 25.0, region),
    ]
    assert emissions.measured_kwh(country_code="KG", year=2026) == {region: 65.0}
    report = strategy_services.import_energy(
        text=f"party,location_id,country_code,region,month,kwh\nKG*ABC,BSK1,KG,{region},2026-03,500\n"
    )
    assert report.saved == 1
    # The operator's upload for March replaces the CDRs of March; April still counts its CDR.
    assert emissions.measured_kwh(country_code="KG", year=2026) == {region: 525.0}


def test_an_upload_spelling_the_party_another_way_still_replaces_that_months_cdrs(
    client: Client,
) -> None:
    registered_peer("KG*ABC")
    call(client, "PUT", location_url(), location())
    region = Location.objects.get(ocpi_id="BSK1").region
    assert (
        call(client, "POST", MODULE, _kg_cdr("S1", 40.0, "2026-03-02T10:00:00Z")).status_code == 201
    )
    report = strategy_services.import_energy(
        text=f"party,location_id,country_code,region,month,kwh\nkg-abc,BSK1,KG,{region},2026-03,500\n"
    )
    assert report.saved == 1
    assert emissions.measured_kwh(country_code="KG", year=2026) == {region: 500.0}
