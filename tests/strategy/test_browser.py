"""The desk in a real chromium (Debian's, through Playwright): the secretariat adds a target
and an action and the public page shows the target with its computed indicator; an investor
expresses interest in an open call and another investor cannot see it; after the deadline
the count is public. Screenshots go to test-artifacts/strategy/."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from kubat.accounts.models import Organisation
from kubat.ppp.models import Call, Expression
from tests.insights.factories import station
from tests.permits.factories import make_world
from tests.ppp.factories import investor, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PASSWORD = "pw-for-tests-only"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "strategy"


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.skip("needs Debian's chromium: apt-get install -y chromium")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        connections.close_all()
        chromium.close()


def _log_in(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/permits/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.errors = errors  # type: ignore[attr-defined]
    return page


def test_the_desk_the_public_page_and_a_ppp_call_in_the_browser(
    browser: Browser, live_server: LiveServer
) -> None:
    base = live_server.url
    world = make_world("KG")
    for n in range(3):
        station(f"S{n}", region="Bishkek", points=[("GBT_DC", 60, "AVAILABLE")])
    Organisation.objects.create(
        name="Ministry of Economy and Commerce",
        kind=Organisation.Kind.SECRETARIAT,
        country_code="KG",
    )
    first = investor("inv-a", "Alpha Invest")
    investor("inv-b", "Beta Capital")
    call = publish(world.secretariat, now=dt.datetime.now(dt.UTC), days=10)
    assert first.pk

    desk = _log_in(browser, base, "secretariat-kg")
    desk.goto(f"{base}/strategy/desk/")
    form = desk.locator("#add-target")
    form.locator("[name=indicator]").select_option("public_locations")
    form.locator("[name=year]").fill("2026")
    form.locator("[name=value]").fill("230")
    form.locator("[name=legal_act]").fill("Seminar recommendations, Bishkek 2026")
    form.locator("button[type=submit]").click()
    desk.wait_for_load_state()
    assert "Target added." in desk.content()
    action = desk.locator("#add-action")
    action.locator("[name=title]").fill("Approve uniform charging standards")
    action.locator("[name=owner]").select_option(label="Ministry of Economy and Commerce (KG)")
    action.locator("[name=due_on]").fill("2026-01-15")
    action.locator("button[type=submit]").click()
    desk.wait_for_load_state()
    assert "Action added." in desk.content()
    desk.screenshot(path=str(SHOTS / "desk.png"), full_page=True)

    public = browser.new_context().new_page()
    public.goto(f"{base}/strategy/")
    row = public.locator("#targets tr[data-indicator=public_locations]")
    assert row.locator("td.live").inner_text().strip() == "3"  # the three public stations, live
    assert row.locator("td.status").inner_text().strip() in {"on track", "at risk", "off track"}
    actions = public.locator("#actions").inner_text()
    assert "Approve uniform charging standards" in actions
    assert "overdue" in actions
    public.screenshot(path=str(SHOTS / "public.png"), full_page=True)

    alpha = _log_in(browser, base, "inv-a")
    alpha.goto(f"{base}/ppp/{call.pk}/")
    alpha.fill("#express [name=planned_kw]", "240")
    alpha.fill("#express [name=proposal]", "Alpha's confidential plan")
    alpha.click("#express button[type=submit]")
    alpha.wait_for_load_state()
    assert "Alpha's confidential plan" in alpha.locator("#expressions").inner_text()
    assert Expression.objects.filter(call=call).count() == 1

    beta = _log_in(browser, base, "inv-b")
    beta.goto(f"{base}/ppp/{call.pk}/")
    assert "Alpha's confidential plan" not in beta.content()
    assert "shown after the deadline" in beta.locator("#expression-count").inner_text()
    beta.screenshot(path=str(SHOTS / "other-investor.png"), full_page=True)

    Call.objects.filter(pk=call.pk).update(
        deadline_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    )
    public.goto(f"{base}/ppp/{call.pk}/")
    assert public.locator("#expression-count").inner_text().strip() == "1"
    assert "Alpha's confidential plan" not in public.content()
    public.goto(f"{base}/ppp/")
    assert public.locator(f"tr[data-call='{call.reference}'] td.count").inner_text().strip() == "1"
    public.screenshot(path=str(SHOTS / "after-deadline.png"), full_page=True)
    for page in (desk, alpha, beta):
        assert page.errors == []  # type: ignore[attr-defined]
