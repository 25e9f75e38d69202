"""The insights pages in a real chromium (Debian's, through Playwright) in the four languages.

Each page must load with no console error or uncaught page error; the maps must draw (Leaflet,
the portal's vendored copy, no tiles so nothing leaves the machine). Screenshots go to
test-artifacts/insights/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kubat.insights import services
from tests.insights.factories import register, station
from tests.portal.test_browser import CHROMIUM, Page, browser  # noqa: F401 (fixture)

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "insights"
PAGES = (
    "/insights/",
    "/insights/projection/",
    "/insights/compatibility/",
    "/insights/corridors/",
    "/insights/siting/",
    "/insights/reliability/",
)
LANGUAGES = {"": "en", "/ru": "ru", "/ky": "ky", "/kk": "kk"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def insights_data(transactional_db: None) -> None:
    register(400, region="Bishkek")
    register(60, make="Tesla", model="Model 3", region="Naryn")
    register(50, model="Song Plus DM-i", powertrain="PHEV", region="Chuy")
    station(
        "B1", region="Bishkek", points=[("GBT_DC", 120, "AVAILABLE"), ("GBT_AC", 22, "AVAILABLE")]
    )
    station("N1", region="Naryn", lat=41.43, lon=75.99, points=[("GBT_DC", 60, "AVAILABLE")])
    station("P1", region="Chuy", lat=42.81, lon=73.85, points=[("GBT_DC", 150, "PLANNED")])
    services.load_shipped_corridors()
    services.import_candidates(
        text="name,lat,lon\nNaryn,41.40,75.90\nKochkor,42.21,75.75\n", country="KG", batch="b"
    )
    services.run_siting(country="KG", stations=1, radius_km=25)
    services.run_siting(country="KG", model="p_median", stations=1, radius_km=25)


@pytest.fixture
def page(
    browser: Any,  # noqa: F811
    live_server: LiveServer,
    settings: Settings,
    insights_data: None,
    request: pytest.FixtureRequest,
) -> Iterator[Page]:
    settings.KUBAT_MAP_TILE_URL = ""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    wrapped = Page(context.new_page(), live_server.url, request.node.name)
    yield wrapped
    context.close()
    assert wrapped.errors == [], f"console errors: {wrapped.errors}"


@pytest.mark.parametrize("prefix", list(LANGUAGES))
def test_insights_pages_render_in_each_language_without_console_errors(
    page: Page, prefix: str
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for path in PAGES:
        page.goto(prefix + path)
        assert page.page.get_attribute("html", "lang") == LANGUAGES[prefix]
        if page.page.locator("#insights-map").count():
            page.page.wait_for_selector("#insights-map[data-state=ready]", timeout=15_000)
            page.page.wait_for_selector("#insights-map path.leaflet-interactive", timeout=15_000)
        assert page.page.locator("details.method").count() == 1
        assert page.page.locator("a[href*='.csv']").count() >= 1
        name = f"{LANGUAGES[prefix]}-{path.strip('/').replace('/', '-')}"
        page.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert page.errors == []
