"""The demo registry carries OCPI 2.3.0 data, and the pages show it: the help line, the
contracts an EVSE accepts, an MCS plug on a truck stop, and a price that includes tax."""

from __future__ import annotations

from django.test import Client

from kubat.registry.models import Connector, Location, Tariff


def _page(client: Client, ocpi_id: str) -> str:
    pk = Location.objects.get(ocpi_id=ocpi_id).pk
    return client.get(f"/locations/{pk}/").content.decode()


def test_the_demo_pavilion_hub_shows_its_help_line_and_accepted_contracts(
    client: Client, demo_registry: dict[str, int]
) -> None:
    hub = Location.objects.get(ocpi_id="KZ-NAP-HUB")
    assert hub.parking_places is not None
    assert {p["id"] for p in hub.parking_places} == {"P-ACCESS", "P-MAIN"}
    html = _page(client, "KZ-NAP-HUB")
    assert "Help line for drivers" in html
    assert 'href="tel:+77172000000"' in html
    assert "Accepts the contracts of" in html
    assert "Kubat Pay (demo)" in html


def test_the_demo_truck_stop_has_mcs_plugs_and_a_price_that_includes_tax(
    client: Client, demo_registry: dict[str, int]
) -> None:
    truck = Location.objects.get(ocpi_id="KZ-TRUCK-BALKHASH")
    assert Connector.objects.filter(evse__location=truck, standard="MCS").count() == 2
    assert Tariff.objects.get(ocpi_id="MCS-ADHOC").tax_included == "YES"
    html = _page(client, "KZ-TRUCK-BALKHASH")
    assert "MCS (megawatt charging for trucks)" in html
    assert "incl. tax" in html
    # 30 kWh at 145 KZT, VAT already in the price: 4,350.00 KZT, not 16 % more.
    assert "4350.00 KZT" in html or "4,350.00 KZT" in html
