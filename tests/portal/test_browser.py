"""The map and pages in a real chromium (Debian's, driven by Playwright) on a live server.

Each test fails on any console error or uncaught page error. Screenshots go to
test-artifacts/portal/ (git-ignored) so a reviewer can look at what the tests saw. The map is
served without background tiles (KUBAT_MAP_TILE_URL empty) so nothing leaves the machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kubat.registry import selectors as registry_selectors

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "portal"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: `make chromium` (root) installs it"
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop running in this thread; the ORM calls the
    # tests make are still plain synchronous code, so Django's async guard is lifted here only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Page:
    """A Playwright page that records console errors and saves named screenshots."""

    def __init__(self, page: Any, base_url: str, test_name: str) -> None:
        self.page = page
        self.base_url = base_url
        self.test_name = test_name
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def wait_for_markers(self) -> int:
        self.page.wait_for_selector("html[data-map-state=ready]", timeout=15_000)
        return int(self.page.get_attribute("html", "data-markers") or 0)

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.test_name}-{name}.png"))


@pytest.fixture
def page(
    browser: Any,
    live_server: LiveServer,
    settings: Settings,
    demo_registry: dict[str, int],
    request: pytest.FixtureRequest,
) -> Iterator[Page]:
    settings.KUBAT_MAP_TILE_URL = ""
    # Playwright's wait_for_function evaluates a string in the page, which Kubat's CSP forbids
    # (no eval): these contexts bypass the CSP; test_the_map_runs_under_the_csp keeps it.
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-GB", bypass_csp=True
    )
    wrapped = Page(context.new_page(), live_server.url, request.node.name)
    yield wrapped
    context.close()
    assert wrapped.errors == [], f"console errors: {wrapped.errors}"


def test_map_loads_a_marker_for_every_public_location(
    page: Page, demo_registry: dict[str, int]
) -> None:
    page.goto("/map/")
    assert page.wait_for_markers() == demo_registry["locations"]
    assert page.page.locator(".leaflet-marker-icon.cl").count() > 0  # clustered
    assert "locations in view" in page.page.inner_text("#list-count")
    assert page.page.locator("#station-list li").count() == 50
    page.page.wait_for_selector("path.leaflet-interactive, .leaflet-overlay-pane path")
    page.shot("desktop")


def test_connector_filter_reduces_markers_and_updates_the_address(page: Page) -> None:
    page.goto("/map/?country=KG")
    before = page.wait_for_markers()
    page.page.select_option("#f-connector", "CHADEMO")
    page.page.wait_for_url("**connector=CHADEMO**")
    page.page.wait_for_function(
        f"document.documentElement.dataset.mapState === 'ready'"
        f" && Number(document.documentElement.dataset.markers) < {before}"
    )
    after = int(page.page.get_attribute("html", "data-markers") or 0)
    assert 0 < after < before
    assert "country=KG" in page.page.url
    page.shot("chademo")
    # The address reproduces the view: reloading keeps the filter and the count.
    page.page.reload()
    assert page.wait_for_markers() == after
    assert page.page.input_value("#f-connector") == "CHADEMO"


def test_a_marker_opens_its_location_page(page: Page) -> None:
    hub = next(
        loc
        for loc in registry_selectors.search_locations(
            filters=registry_selectors.LocationFilters(city="Astana"), limit=1000
        ).items
        if loc.evse_count == 25
    )
    page.goto(f"/map/?lat={hub.lat}&lon={hub.lon}&zoom=17")
    page.wait_for_markers()
    marker = page.page.locator(f'.leaflet-marker-icon[title="{hub.name}"]')
    marker.click()
    page.page.click(".leaflet-popup .popup-title")
    page.page.wait_for_url(f"**/locations/{hub.pk}/")
    assert page.page.inner_text("h1") == hub.name
    assert page.page.locator("article.evse").count() == 25
    page.shot("location")


def test_a_marker_is_reachable_and_opens_with_the_keyboard(page: Page) -> None:
    page.goto("/map/?lat=51.12895&lon=71.43045&zoom=17")
    page.wait_for_markers()
    marker = page.page.locator(".leaflet-marker-icon.mk").first
    marker.focus()
    page.page.keyboard.press("Enter")
    page.page.wait_for_selector(".leaflet-popup .popup-title")


def test_language_switch_changes_the_labels(page: Page) -> None:
    page.goto("/map/")
    page.wait_for_markers()
    assert page.page.inner_text("label[for=f-connector]") == "Connector"
    page.page.select_option("#language-select", "ru")
    page.page.click("form.lang button")
    page.page.wait_for_url("**/ru/map/**")
    page.wait_for_markers()
    assert page.page.inner_text("label[for=f-connector]") == "Разъём"
    assert page.page.get_attribute("html", "lang") == "ru"
    assert "Станций на карте" in page.page.inner_text("#list-count")
    page.shot("russian")
    # The cookie now carries the choice: the unprefixed address answers in Russian too.
    page.goto("/")
    assert page.page.get_attribute("html", "lang") == "ru"


def test_phone_layout_fits_360_pixels(page: Page, browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = Page(context.new_page(), live_server.url, page.test_name)
    try:
        for path in ("/", "/map/", "/open-data/"):
            phone.goto(path)
            if path == "/map/":
                phone.wait_for_markers()
            width = phone.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{path} scrolls sideways: {width}px"
            phone.shot(path.strip("/").replace("/", "-") or "home")
    finally:
        context.close()
    assert phone.errors == []


def test_dense_national_view_draws_server_clusters_that_zoom_in(
    page: Page, monkeypatch: pytest.MonkeyPatch, demo_registry: dict[str, int]
) -> None:
    from kubat.portal import map_feed

    monkeypatch.setattr(map_feed, "SERVER_CLUSTER_ABOVE", 100)
    page.goto("/map/")
    assert page.wait_for_markers() == demo_registry["locations"]
    assert page.page.get_attribute("html", "data-cluster-mode") == "server"
    assert page.page.locator("#station-list li").count() == 50
    page.shot("server-clusters")
    assert "zoom=" not in page.page.url  # the landing view is not written back
    page.page.locator(".leaflet-marker-icon.cl").first.click()
    page.page.wait_for_url("**zoom=**")  # the click zoomed in and the address followed
    page.page.wait_for_selector("html[data-map-state=ready]")


def test_search_text_and_near_me_move_the_map(
    browser: Any, live_server: Any, settings: Settings, demo_registry: dict[str, int]
) -> None:
    settings.KUBAT_MAP_TILE_URL = ""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800},
        geolocation={"latitude": 40.5283, "longitude": 72.7985},  # Osh
        permissions=["geolocation"],
        bypass_csp=True,  # for wait_for_function, as in the page fixture
    )
    page = Page(context.new_page(), live_server.url, "search_and_near_me")
    try:
        page.goto("/map/")
        everything = page.wait_for_markers()
        page.page.fill("#f-q", "Karakol")
        page.page.press("#f-q", "Enter")
        page.page.wait_for_url("**q=Karakol**")
        page.page.wait_for_function(
            "document.documentElement.dataset.mapState === 'ready'"
            f" && Number(document.documentElement.dataset.markers) < {everything}"
        )
        names = page.page.locator("#station-list .meta").all_inner_texts()
        assert names
        assert all("Karakol" in n for n in names)
        page.page.fill("#f-q", "")
        page.page.click("#near-me")
        page.page.wait_for_url("**zoom=13**")
        # The map was already "ready" from the search: wait for the near-me load itself.
        page.page.wait_for_function(
            "document.documentElement.dataset.mapState === 'ready'"
            " && document.getElementById('map-status').innerText.includes('near you')"
        )
        lat = float(page.page.evaluate("new URLSearchParams(location.search).get('lat')"))
        assert abs(lat - 40.5283) < 0.01
        assert "near you" in page.page.inner_text("#map-status")
        page.shot("near-me")
    finally:
        context.close()
    assert page.errors == []


def test_markers_and_borders_show_when_no_tile_loads(
    browser: Any, live_server: Any, settings: Settings, demo_registry: dict[str, int]
) -> None:
    # A tile server that refuses every connection (port 9, discard, is closed here).
    settings.KUBAT_MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = Page(context.new_page(), live_server.url, "tiles_fail")
    try:
        page.goto("/map/?country=KG")
        assert page.wait_for_markers() == 230
        page.page.wait_for_selector(".leaflet-overlay-pane path")  # the country outlines
        page.shot("no-tiles")
    finally:
        context.close()
    # The only errors are the refused tiles themselves.
    assert all("ERR_CONNECTION_REFUSED" in e or "Failed to load" in e for e in page.errors)


def test_the_map_runs_under_the_csp(
    browser: Any, live_server: Any, settings: Settings, demo_registry: dict[str, int]
) -> None:
    """The Content-Security-Policy enforced (no inline script, no eval): the map loads its
    markers and borders, and the browser reports no violation or other console error."""
    settings.KUBAT_MAP_TILE_URL = ""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = Page(context.new_page(), live_server.url, "csp")
    try:
        page.goto("/map/?country=KG")
        assert page.wait_for_markers() == 230
        page.page.wait_for_selector(".leaflet-overlay-pane path")
        assert (
            "script-src 'self'"
            in (page.page.request.get(live_server.url + "/map/").headers["content-security-policy"])
        )
    finally:
        context.close()
    assert page.errors == []
