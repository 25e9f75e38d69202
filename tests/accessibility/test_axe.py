"""WCAG 2.1 AA as axe-core checks it, in Debian's chromium, on the public pages in four languages.

axe-core is the npm package pinned in package-lock.json (`make axe` installs it into
node_modules); Playwright injects its axe.min.js into each page and runs it with the WCAG 2.0/2.1
A and AA rule tags. A serious or critical violation fails the test, listed with the rule, its
help text and the first offending elements. The demo data of the registry, quotas and permits
fill the pages, as `kubat demo` would.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from kubat.permits import demo as permits_demo
from kubat.quotas import demo as quotas_demo
from kubat.registry import demo as registry_demo
from kubat.registry import selectors as registry_selectors

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "accessibility"
LANGUAGES = ["en", "ru", "ky", "kk"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: `make chromium` (root) installs it"
    ),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core: `make axe` installs it"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # see tests/portal/test_browser.py
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo(transactional_db: None, settings: Settings, tmp_path: Path) -> int:
    """The demo data of the pages checked; returns a location's id for its page."""
    settings.KUBAT_MAP_TILE_URL = ""
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.KUBAT_PERMIT_SIGNING_DIR = tmp_path / "signing"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    registry_demo.load_demo(seed=7)
    quotas_demo.load_demo(seed=7)
    permits_demo.load_demo(seed=7)
    hub = registry_selectors.search_locations(
        filters=registry_selectors.LocationFilters(city="Astana"), limit=1
    ).items[0]
    return int(hub.pk)


def _violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"][:3]]
        lines.append(f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} nodes) {targets}")
    return "\n".join(lines)


def test_public_pages_have_no_serious_or_critical_axe_violations_in_four_languages(
    browser: Any, live_server: LiveServer, demo: int
) -> None:
    # One test for the four languages: the demo data is loaded once (it dominates the time).
    pages = {
        "home": "/",
        "map": "/map/",
        "location": f"/locations/{demo}/",
        "quotas": "/quotas/",
        "permits-transparency": "/permits/transparency/",
        "open-data": "/open-data/",
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[dict[str, Any]]] = {}
    checked = 0
    for language in LANGUAGES:
        prefix = "" if language == "en" else f"/{language}"
        # bypass_csp: axe is injected as a script tag, which Kubat's CSP rightly forbids.
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale=language, bypass_csp=True
        )
        page = context.new_page()
        try:
            for name, path in pages.items():
                response = page.goto(live_server.url + prefix + path)
                assert response is not None, prefix + path
                assert response.status == 200, prefix + path
                assert page.get_attribute("html", "lang") == language, prefix + path
                if name == "map":
                    page.wait_for_selector("html[data-map-state=ready]", timeout=30_000)
                violations = _violations(page)
                checked += 1
                if violations:
                    found[prefix + path] = violations
                    page.screenshot(path=str(ARTIFACTS / f"{language}-{name}.png"), full_page=True)
        finally:
            context.close()
    (ARTIFACTS / "violations.json").write_text(
        json.dumps({p: [v["id"] for v in vs] for p, vs in found.items()}, indent=1)
    )
    assert checked == len(pages) * len(LANGUAGES)
    assert found == {}, "\n".join(f"{p}:\n{_describe(v)}" for p, v in found.items())


def test_every_page_starts_with_a_skip_link_that_moves_focus_to_the_content(
    browser: Any, live_server: LiveServer, transactional_db: None
) -> None:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        for path in ("/", "/quotas/", "/permits/transparency/", "/fleet/", "/insights/"):
            page.goto(live_server.url + "/ru" + path)
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.textContent.trim()")
            assert focused == "Перейти к содержанию", path
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "main", path
    finally:
        context.close()
