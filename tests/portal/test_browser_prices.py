"""A location page shows each charging point's reference price with its currency (chromium)."""

from __future__ import annotations

import re

from kubat.registry import selectors as registry_selectors
from tests.portal.test_browser import Page, browser, page, pytestmark  # noqa: F401 (fixtures)


def test_a_location_page_shows_a_price_with_its_currency(page: Page) -> None:  # noqa: F811
    bishkek = registry_selectors.search_locations(
        filters=registry_selectors.LocationFilters(city="Bishkek"), limit=1
    ).items[0]
    page.goto(f"/locations/{bishkek.pk}/")
    prices = page.page.locator("p.price")
    assert prices.count() >= 1
    text = prices.first.inner_text()
    assert re.search(r"\d+\.\d\d KGS incl\. VAT", text), text
    assert "reference" in text
    page.shot("price")


def _kg_cheapest_prices() -> dict[int, float]:
    """Location id → its cheapest reference-session price in KGS, VAT included."""
    ids = [
        loc.pk
        for loc in registry_selectors.search_locations(
            filters=registry_selectors.LocationFilters(country_code="KG"), limit=1000
        ).items
    ]
    prices = registry_selectors.location_prices(ids)
    return {
        pk: min(p["incl_vat"] for p in prices[pk] if p["currency"] == "KGS")
        for pk in ids
        if any(p["currency"] == "KGS" for p in prices.get(pk, []))
    }


def test_the_map_list_and_popup_show_a_price_with_currency_and_vat(page: Page) -> None:  # noqa: F811
    page.goto("/map/?country=KG")
    page.wait_for_markers()
    first = page.page.locator("#station-list li .price").first.inner_text()
    assert re.search(r"from [\d,]+\.\d\d KGS (incl\. VAT|no VAT stated)", first), first
    bishkek = registry_selectors.search_locations(
        filters=registry_selectors.LocationFilters(city="Bishkek"), limit=1
    ).items[0]
    page.goto(f"/map/?lat={bishkek.lat}&lon={bishkek.lon}&zoom=18")
    page.wait_for_markers()
    page.page.locator(f'.leaflet-marker-icon[title="{bishkek.name}"]').first.click()
    popup = page.page.locator(".leaflet-popup .price").first.inner_text()
    assert re.search(r"\d\.\d\d KGS incl\. VAT", popup), popup
    assert "reference" in page.page.locator(".leaflet-popup").inner_text()
    page.shot("popup-price")


def test_the_price_up_to_filter_keeps_only_stations_at_or_below_it(page: Page) -> None:  # noqa: F811
    prices = _kg_cheapest_prices()
    limit = sorted(prices.values())[len(prices) // 2]
    expected = sum(1 for v in prices.values() if v <= limit)
    page.goto("/map/?country=KG")
    before = page.wait_for_markers()
    page.page.select_option("#f-currency", "KGS")
    page.page.fill("#f-max-price", f"{limit:.2f}")
    page.page.press("#f-max-price", "Enter")
    page.page.wait_for_url("**max_price=**")
    page.page.wait_for_function(
        "document.documentElement.dataset.mapState === 'ready'"
        f" && Number(document.documentElement.dataset.markers) === {expected}"
    )
    assert 0 < expected < before
    assert "currency=KGS" in page.page.url
    for text in page.page.locator("#station-list li .price").all_inner_texts():
        amount = float(re.search(r"([\d,]+\.\d\d) KGS", text).group(1).replace(",", ""))  # type: ignore[union-attr]
        assert amount <= limit, (text, limit)
    page.shot("price-filter")
