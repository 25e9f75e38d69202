"""A whole permit case in a real browser: from the application to the station in the registry.

Runs Debian's chromium through Playwright against pytest-django's live server. Screenshots of
each step go to test-artifacts/permits/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from django.urls import Resolver404, resolve
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from kubat.permits.models import ApprovalStatus, CaseStatus, PermitCase
from kubat.registry.models import Location
from tests.permits.factories import PDF, World, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "pw-for-tests-only"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "permits"


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.skip("needs Debian's chromium: apt-get install -y chromium")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM reads are
    # still synchronous, so Django's async-safety guard would refuse them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        # While Playwright's loop runs in this thread, Django keeps the test's ORM connection
        # in a context variable, apart from the one pytest-django closes; left open, it stops
        # PostgreSQL from dropping the test database at the end of the session.
        connections.close_all()
        chromium.close()


def _log_in(browser: Browser, base: str, username: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/permits/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _apply(p: Page, base: str) -> int:
    p.goto(f"{base}/permits/cases/new/")
    p.select_option("[name=country_code]", "KZ")
    fields = {
        "site_name": "Mega mall parking",
        "region": "Almaty",
        "city": "Almaty",
        "address": "Rozybakiev St 247",
        "latitude": "43.2019",
        "longitude": "76.8921",
        "land_document": "LEASE-2026-0042",
        "party_id": "MGA",
        "grid_capacity_kw": "150",
        "g0_count": "2",
        "g0_max_kw": "60",
    }
    for name, value in fields.items():
        p.fill(f"[name={name}]", value)
    p.select_option("[name=land_right]", "lease")
    p.select_option("[name=g0_power_type]", "DC")
    p.check("input[name=g0_standards][value=GBT_DC]")
    p.check("input[name=g0_standards][value=IEC_62196_T2_COMBO]")
    p.wait_for_selector("#preview >> text=Permit (Art. 25 procedure)")
    _shot(p, "01-application-form")
    p.click("button[name=save]")
    p.wait_for_selector("text=Draft saved.")
    case_id = int(p.url.rstrip("/").split("/")[-1])
    p.select_option("select[name=kind]", "land_right")
    p.set_input_files(
        "input[name=file]",
        {"name": "lease.pdf", "mimeType": "application/pdf", "buffer": PDF},
    )
    p.click("#attach")
    p.wait_for_selector("text=Document attached.")
    p.click("#submit-case")
    p.wait_for_selector("text=Submitted to the secretariat")
    _shot(p, "02-submitted")
    return case_id


def test_a_whole_case_runs_from_application_to_the_registry(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    base = live_server.url
    world: World = make_world("KZ")
    applicant = _log_in(browser, base, world.applicant.username)
    case_id = _apply(applicant, base)

    secretariat = _log_in(browser, base, world.secretariat.username)
    secretariat.goto(f"{base}/permits/secretariat/")
    # Unpaid, the case cannot pass: the secretariat sees the fee and records the bank's payment.
    secretariat.wait_for_selector(f"#fee-{case_id} >> text=unpaid")
    secretariat.click(f"#check-{case_id} button[value=accept]")
    secretariat.wait_for_selector(f"#check-{case_id} >> text=the fee is not paid")
    secretariat.fill(f"#check-{case_id} input[name=transaction_id]", "HALYK-2026-000917")
    secretariat.click(f"#check-{case_id} button[value=paid]")
    secretariat.wait_for_selector(f"#fee-{case_id}:not(:has-text('unpaid'))")
    secretariat.click(f"#check-{case_id} button[value=accept]")
    secretariat.wait_for_selector(f"#check-{case_id} >> text=In review")
    _shot(secretariat, "03-completeness-accepted")

    # Three agencies work the case at the same time, each in its own browser.
    authorities = ("municipality", "distribution_company", "fire_safety")
    reviewers = {a: _log_in(browser, base, world.reviewers[a].username) for a in authorities}
    case = PermitCase.objects.get(pk=case_id)
    rows = {a: f"#row-{case.approvals.get(authority=a).pk}" for a in authorities}
    for authority, page in reviewers.items():
        page.goto(f"{base}/permits/queue/")
        page.wait_for_selector(rows[authority])
    fire = reviewers["fire_safety"]
    fire.fill(f"{rows['fire_safety']} input[name=text]", "Distance to the fuel station?")
    fire.click(f"{rows['fire_safety']} button[value=info]")
    fire.wait_for_selector(f"{rows['fire_safety']} >> text=clock stopped")
    _shot(fire, "04-information-requested")
    for authority in ("municipality", "distribution_company"):
        page = reviewers[authority]
        page.click(f"{rows[authority]} button[value=approve]")
        page.wait_for_selector(f"{rows[authority]} >> text=Approved")
    assert case.approvals.filter(status=ApprovalStatus.APPROVED).count() == 2

    applicant.goto(f"{base}/permits/cases/{case_id}/")
    applicant.fill("textarea[name=answer]", "42 m; site plan attached.")
    applicant.click("button.answer")
    applicant.wait_for_selector("text=the agency's clock runs again")

    fire.goto(f"{base}/permits/queue/")
    fire.click(f"{rows['fire_safety']} button[value=approve]")
    fire.wait_for_selector(f"{rows['fire_safety']} >> text=Approved")

    applicant.goto(f"{base}/permits/cases/{case_id}/")
    permit = applicant.text_content("#permit-number")
    assert permit == PermitCase.objects.get(pk=case_id).permit_number
    assert permit.startswith("KZ-P-")
    _shot(applicant, "05-permit-issued")
    applicant.click("#start-construction")
    applicant.click("#request-grid")
    applicant.wait_for_selector("text=Grid acceptance due")

    grid = reviewers["distribution_company"]
    grid.goto(f"{base}/permits/queue/")
    grid.fill(f"#grid-{case_id} input[name=meter_number]", "ALM-000917")
    grid.click(f"#grid-{case_id} button[type=submit]")
    grid.wait_for_selector("text=Grid connection accepted.")

    applicant.goto(f"{base}/permits/cases/{case_id}/")
    applicant.click("#commission")
    applicant.wait_for_selector("#registry-location")
    _shot(applicant, "06-in-the-registry")

    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REGISTRY
    assert case.location is not None
    assert case.location.party.key == "KZ*MGA"
    assert case.location.source == "permit"
    assert list(case.location.evses.values_list("status", flat=True)) == ["PLANNED", "PLANNED"]
    assert os.path.exists(SHOTS / "06-in-the-registry.png")
    _check_registry_api(applicant, base, case.location.pk)
    _verify_offline_and_find_in_register(applicant, base, case.permit_number, tmp_path)
    _transfer(browser, base, world, applicant, case)


def _verify_offline_and_find_in_register(page: Page, base: str, number: str, tmp: Path) -> None:
    """The signed permit, downloaded from the public register, verifies with the published
    certificate in a separate process that has no network and no database."""
    page.goto(f"{base}/permits/register/")
    page.fill("#register-search input[name=q]", number)
    page.click("#register-search button[type=submit]")
    page.wait_for_selector(f"#permit-{number}")
    _shot(page, "07-register")
    page.click(f"#permit-{number} a")
    page.wait_for_selector("#signature >> text=Signature valid")
    _shot(page, "08-register-entry")
    with page.expect_download() as download:
        page.click("#decision-file")
    decision = tmp / "permit.json"
    download.value.save_as(decision)
    certificate = tmp / "kubat.pem"
    certificate.write_bytes(page.request.get(f"{base}/permits/signing-certificate.pem").body())
    kubat = str(Path(sys.executable).with_name("kubat"))
    env = {"PATH": os.environ.get("PATH", ""), "KUBAT_VAR_DIR": str(tmp / "offline-var")}
    ok = subprocess.run(
        [kubat, "permits", "verify", str(decision), "--certificate", str(certificate)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["valid"] is True
    tampered = json.loads(decision.read_text())
    tampered["decision"]["holder"] = "Someone else LLP"
    (tmp / "tampered.json").write_text(json.dumps(tampered))
    bad = subprocess.run(
        [kubat, "permits", "verify", str(tmp / "tampered.json"), "--certificate", str(certificate)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 1


def _transfer(browser: Browser, base: str, world: World, holder: Page, case: PermitCase) -> None:
    """The holder transfers the station to another operator; the recipient accepts; the
    secretariat accepts the case; the registry location moves to the recipient's party."""
    holder.goto(f"{base}/permits/cases/{case.pk}/")
    holder.click("#transfer-station")
    holder.select_option("[name=transfer_to]", label="Rival KZ LLP")
    holder.fill("[name=party_id]", "RVL")
    holder.fill("[name=reason]", "The station is sold with the mall.")
    holder.click("#open-change")
    holder.wait_for_selector("text=Change drafted")
    transfer_id = int(holder.url.rstrip("/").split("/")[-1])
    holder.click("#submit-case")
    holder.wait_for_selector("text=Submitted to the secretariat")
    recipient = _log_in(browser, base, world.outsider.username)
    recipient.goto(f"{base}/permits/cases/{transfer_id}/")
    recipient.click("#consent-transfer")
    recipient.wait_for_selector("text=Transfer accepted.")
    secretariat = _log_in(browser, base, world.secretariat.username)
    secretariat.goto(f"{base}/permits/secretariat/")
    secretariat.click(f"#check-{transfer_id} button[value=accept]")
    secretariat.wait_for_selector(f"#check-{transfer_id} >> text=Decided, registry updated")
    _shot(secretariat, "09-transfer-accepted")
    location = Location.objects.get(pk=case.location_id)
    assert location.party.key == "KZ*RVL"
    assert location.party.organisation_id == world.outsider.membership.organisation_id
    recipient.goto(f"{base}/permits/register/{case.permit_number}/")
    assert recipient.text_content("#register-operator") == "Rival KZ LLP"
    _shot(recipient, "10-register-after-transfer")


def _check_registry_api(page: Page, base: str, location_id: int) -> None:
    """Once the registry publishes GET /api/v1/locations/{id}, the station is there too."""
    path = f"/api/v1/locations/{location_id}"
    try:
        resolve(path)
    except Resolver404:
        return  # this branch predates the registry's read API: the models were checked above
    response = page.request.get(f"{base}{path}")
    assert response.ok, response.status
    body = response.json()
    assert body["party"] == "KZ*MGA"
    assert {evse["status"] for evse in body["evses"]} == {"PLANNED"}
