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
