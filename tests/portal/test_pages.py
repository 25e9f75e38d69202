"""Every portal page answers on the demo registry and says what the issue asks it to say."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from kubat.portal import standards
from kubat.registry import selectors as registry_selectors

PAGES = ["/", "/map/", "/open-data/", "/standards/"]


@pytest.mark.django_db
def test_demo_banner_shows_only_when_the_registry_holds_demo_data(client: Client) -> None:
    assert b"demo-banner" not in client.get("/").content
    from kubat.portal.context_processors import forget_demo_flag
    from kubat.registry import demo as registry_demo

    registry_demo.load_demo(seed=1)
    forget_demo_flag()
    for url in PAGES:
        assert b"demo-banner" in client.get(url).content, url


def test_home_shows_each_countrys_national_figures(
    client: Client, demo_registry: dict[str, int]
) -> None:
    html = client.get("/").content.decode()
    assert "Kyrgyzstan" in html
    assert "Kazakhstan" in html
    assert ">230<" in html  # KG public locations (facts: more than 230)
    assert "GB/T DC" in html
    assert "CCS2" in html
    assert "Bishkek" in html  # locations by region
    assert "E-Charge Bishkek" in html  # operators
    assert "Figures computed from the live registry" in html  # freshness
    assert html.count("<svg") >= 6  # bar charts


def test_location_page_shows_address_operator_points_and_directions(
    client: Client, demo_registry: dict[str, int]
) -> None:
    page = registry_selectors.search_locations(
        filters=registry_selectors.LocationFilters(city="Astana"), limit=1000
    )
    hub = next(loc for loc in page.items if loc.evse_count == 25)
    html = client.get(f"/locations/{hub.pk}/").content.decode()
    assert "National Automobile Pavilion charging hub" in html
    assert "Kabanbay Batyr Ave 62" in html
    assert "hub@pavilion.example.kz" in html
    assert "tel:+77172000505" in html
    assert "25 charging points" in html
    assert html.count('class="evse"') == 25
    assert "openstreetmap.org/directions?route=%3B51.128950%2C71.430450" in html
    assert "Last update" in html


def test_unknown_or_unpublished_location_is_not_found(
    client: Client, demo_registry: dict[str, int]
) -> None:
    assert client.get("/locations/999999/").status_code == 404


def test_open_data_page_lists_downloads_api_licence_and_citation(
    client: Client, demo_registry: dict[str, int]
) -> None:
    html = client.get("/open-data/").content.decode()
    for needle in (
        "/open-data/locations.geojson",
        "/open-data/locations.csv",
        "/api/v1/docs",
        "CC BY 4.0",
        "How to cite",
    ):
        assert needle in html


def test_map_page_offers_only_filter_values_present_in_the_registry(
    client: Client, demo_registry: dict[str, int]
) -> None:
    html = client.get("/map/").content.decode()
    assert '<option value="GBT_DC">GB/T DC</option>' in html
    assert 'value="NEMA_5_20"' not in html
    assert '<option value="KG*ECH">E-Charge Bishkek</option>' in html
    for label in ('for="f-q"', 'for="f-country"', 'for="f-connector"', 'for="f-min-kw"'):
        assert label in html  # every control has a label
    assert "vendor/leaflet/leaflet.js" in html  # served by us, no CDN
    assert "unpkg" not in html
    assert "cdn" not in html.lower()


@pytest.mark.django_db
def test_standards_page_renders_each_countrys_profile(client: Client) -> None:
    html = client.get("/standards/").content.decode()
    assert "Kyrgyz Republic: public charging standard profile" in html
    assert "Republic of Kazakhstan: public charging standard profile" in html
    assert "2026-11-draft" in html
    assert "15 minutes" in html  # KG live-status limit, from KG.json


def test_location_page_shows_the_registrys_compliance_verdict(
    client: Client, demo_registry: dict[str, int]
) -> None:
    from kubat.registry import compliance

    html_by_verdict: dict[bool, str] = {}
    page = registry_selectors.search_locations(
        filters=registry_selectors.LocationFilters(country_code="KG"), limit=200
    )
    for loc in page.items:
        verdict = compliance.check_location(loc, now=timezone.now())
        if verdict.compliant not in html_by_verdict:
            html_by_verdict[verdict.compliant] = client.get(
                f"/locations/{loc.pk}/"
            ).content.decode()
            if not verdict.compliant:
                rule = verdict.violations[0].rule
                assert str(standards.RULES[rule]) in html_by_verdict[False]
    assert "Meets its country's charging-standard profile" in html_by_verdict[True]
    assert "Does not meet its country's profile" in html_by_verdict[False]
