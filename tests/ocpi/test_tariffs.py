"""Tariffs, receiver role: the specification's examples round-trip, history, order, delete."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from kubat.registry import services, tariffs
from kubat.registry.models import Tariff, TariffVersion
from tests.ocpi.factories import FIXTURES, call, connector, evse, example, location, registered_peer

pytestmark = pytest.mark.django_db

# tariff_put_example.json has no last_updated, which the Tariff object requires (spec 11.3.1):
# like the spec's invalid EVSE example, a strict receiver refuses it with 2001 naming it.
INVALID = "tariff_put_example.json"
VALID = sorted(p.name for p in FIXTURES.glob("tariff*.json") if p.name != INVALID)


def _url(obj: dict[str, Any]) -> str:
    return f"/ocpi/2.2.1/receiver/tariffs/{obj['country_code']}/{obj['party_id']}/{obj['id']}"


def test_every_tariff_example_is_covered() -> None:
    assert len(VALID) == 19


def _numbers_as_floats(value: Any) -> Any:
    """JSON as a reader sees it: 2.50 and 2.5 are the same number."""
    return json.loads(json.dumps(value), parse_int=float)


@pytest.mark.parametrize("name", VALID)
def test_tariff_example_round_trips_through_the_receiver(client: Client, name: str) -> None:
    obj = example(name)
    registered_peer(f"{obj['country_code']}*{obj['party_id']}")
    reply = call(client, "PUT", _url(obj), obj).json()
    assert reply["status_code"] == 1000, reply
    got = call(client, "GET", _url(obj)).json()["data"]
    assert _numbers_as_floats(got) == _numbers_as_floats(obj)


def test_a_tariff_without_last_updated_is_refused_naming_it(client: Client) -> None:
    obj = example(INVALID)
    registered_peer("DE*ALL")
    reply = call(client, "PUT", _url(obj), obj).json()
    assert reply["status_code"] == 2001
    assert "last_updated" in reply["status_message"]
    assert not Tariff.objects.exists()


def test_a_changed_tariff_keeps_the_old_one_with_its_period(client: Client) -> None:
    obj = example("tariff_1_simple_2hour.json")
    registered_peer("DE*ALL")
    call(client, "PUT", _url(obj), obj)
    newer = {**obj, "currency": "KGS", "last_updated": "2016-01-01T00:00:00Z"}
    assert call(client, "PUT", _url(obj), newer).json()["status_code"] == 1000
    history = list(tariffs.tariff_history(party=Tariff.objects.get().party_id, tariff_id="12"))
    assert [v.body["currency"] for v in history] == ["EUR", "KGS"]
    assert history[0].valid_until is not None
    assert history[1].valid_until is None


def test_an_older_tariff_never_overwrites_a_newer_one(client: Client) -> None:
    obj = example("tariff_1_simple_2hour.json")
    registered_peer("DE*ALL")
    call(client, "PUT", _url(obj), obj)
    older = {**obj, "currency": "KZT", "last_updated": "2010-01-01T00:00:00Z"}
    reply = call(client, "PUT", _url(obj), older)
    assert reply.json()["status_code"] == 2000
    assert Tariff.objects.get().currency == "EUR"
    assert TariffVersion.objects.count() == 1


def test_delete_removes_the_tariff_and_closes_its_history(client: Client) -> None:
    obj = example("tariff_1_simple_2hour.json")
    registered_peer("DE*ALL")
    call(client, "PUT", _url(obj), obj)
    assert call(client, "DELETE", _url(obj)).json()["status_code"] == 1000
    assert not Tariff.objects.exists()
    assert TariffVersion.objects.get().valid_until is not None
    assert call(client, "GET", _url(obj)).json()["status_code"] == 2003


def test_an_operator_cannot_write_another_partys_tariff(client: Client) -> None:
    obj = example("tariff_1_simple_2hour.json")
    registered_peer("KG*ABC")
    assert call(client, "PUT", _url(obj), obj).status_code == 403
    assert not Tariff.objects.exists()


def test_a_dangling_tariff_id_shows_in_check_standards(client: Client) -> None:
    registered_peer("KG*ABC")
    plug = connector(tariff_ids=["AC-1", "DC-NIGHT"])
    body = location(evses=[evse("1", connectors=[plug])])
    call(client, "PUT", "/ocpi/2.2.1/receiver/locations/KG/ABC/BSK1", body)
    tariff = {**example("tariff_1_simple_2hour.json"), "country_code": "KG", "party_id": "ABC"}
    tariff["id"] = "dc-night"  # CiString: resolves DC-NIGHT
    call(client, "PUT", "/ocpi/2.2.1/receiver/tariffs/KG/ABC/dc-night", tariff)
    out = StringIO()
    call_command("check_standards", "--operator", "KG*ABC", "--json", stdout=out)
    report = json.loads(out.getvalue())
    rules = [(v["rule"], v["message"]) for item in report["locations"] for v in item["violations"]]
    dangling = [m for rule, m in rules if rule == "tariff-known"]
    assert dangling == ["connector 1 names tariff AC-1, which its operator has not published"]
    assert services.find_location(party=Tariff.objects.get().party, location_id="BSK1")


def test_every_tariff_example_round_trips_through_the_sender(client: Client) -> None:
    # Several examples share an id; here each is its own tariff (named after its file).
    objects = [{**example(name), "id": name.removesuffix(".json")[:36]} for name in VALID]
    for key in sorted({f"{o['country_code']}*{o['party_id']}" for o in objects}):
        registered_peer(key)
    for obj in objects:
        assert call(client, "PUT", _url(obj), obj).json()["status_code"] == 1000
    sent: list[dict[str, Any]] = []
    url: str | None = "/ocpi/2.2.1/sender/tariffs?limit=5"
    while url:
        reply = call(client, "GET", url)
        assert reply["X-Total-Count"] == str(len(objects))
        sent.extend(reply.json()["data"])
        link = reply.headers.get("Link")
        url = link[link.index("/ocpi/") : link.index(">")] if link else None
    assert _numbers_as_floats(sent) == _numbers_as_floats(objects)


def test_a_location_shows_the_reference_price_with_its_currency(client: Client) -> None:
    registered_peer("KG*ABC")
    tariff = {
        "country_code": "KG",
        "party_id": "ABC",
        "id": "dc-adhoc",
        "currency": "KGS",
        "type": "AD_HOC_PAYMENT",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 20, "vat": 12, "step_size": 1}]}
        ],
        "last_updated": "2026-01-01T00:00:00Z",
    }
    call(client, "PUT", "/ocpi/2.2.1/receiver/tariffs/KG/ABC/dc-adhoc", tariff)
    plug = connector(tariff_ids=["DC-ADHOC"])
    call(
        client,
        "PUT",
        "/ocpi/2.2.1/receiver/locations/KG/ABC/BSK1",
        location(evses=[evse("1", connectors=[plug])]),
    )
    pk = services.find_location(party=Tariff.objects.get().party, location_id="BSK1").pk
    price = client.get(f"/api/v1/locations/{pk}").json()["evses"][0]["price"]
    # 30 kWh at 20 KGS a kWh = 600 KGS, 672 with 12 % VAT.
    assert price["currency"] == "KGS"
    assert (price["excl_vat"], price["incl_vat"], price["vat_stated"]) == (600.0, 672.0, True)
    assert price["session"] == "DC: 30 kWh in 45 min"
    page = client.get(f"/locations/{pk}/").content.decode()
    assert "672.00 KGS" in page


def test_a_tariff_with_a_date_that_does_not_exist_is_refused(client: Client) -> None:
    obj = example("tariff_1_simple_2hour.json")
    obj["elements"][0]["restrictions"] = {"start_date": "2026-02-30"}
    registered_peer("DE*ALL")
    reply = call(client, "PUT", _url(obj), obj).json()
    assert reply["status_code"] == 2001
    assert "start_date" in reply["status_message"]
    assert not Tariff.objects.exists()
