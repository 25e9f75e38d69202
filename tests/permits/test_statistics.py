"""Transparency: medians and 90th percentiles of days to permit, per stage and per agency."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from kubat.permits import services
from kubat.permits.models import PermitCase
from kubat.permits.statistics import summarise
from tests.permits.factories import T0, World, draft, make_world, pay

pytestmark = pytest.mark.django_db


def _permit_after(world: World, days: int) -> PermitCase:
    """A case submitted at T0, accepted a day later, every approval given at T0 + days."""
    case = services.submit_case(user=world.applicant, case=draft(world), now=T0)
    pay(world, case, now=T0)
    services.check_completeness(
        user=world.secretariat, case=case, complete=True, now=T0 + timedelta(days=1)
    )
    for approval in case.approvals.all():
        services.decide_approval(
            user=world.reviewers[approval.authority],
            approval=approval,
            approve=True,
            now=T0 + timedelta(days=days),
        )
    return case


def test_percentiles_interpolate_between_order_statistics() -> None:
    assert summarise([10, 20, 30]) == {"n": 3, "median_days": 20, "p90_days": 28}
    assert summarise([7.0]) == {"n": 1, "median_days": 7.0, "p90_days": 7.0}
    assert summarise([]) == {"n": 0, "median_days": None, "p90_days": None}


def test_statistics_api_reports_days_to_permit_per_country_track_stage_and_agency() -> None:
    world = make_world("KZ")
    for days in (10, 20, 30):
        _permit_after(world, days)
    body = Client().get("/api/v1/permits/statistics?country=KZ").json()
    kz = body["countries"]["KZ"]
    assert kz["days_to_permit"] == {"n": 3, "median_days": 20.0, "p90_days": 28.0}
    assert kz["by_track"]["permit"]["n"] == 3
    assert kz["by_stage"]["completeness"]["median_days"] == 1.0
    assert kz["by_stage"]["review"]["median_days"] == 19.0
    fire = next(a for a in kz["by_agency"] if a["authority"] == "fire_safety")
    assert fire["n"] == 3
    # Accepted Friday 2 Oct, 10 business days run to Friday 16 Oct: only the decision on
    # 11 Oct is on time; those on 21 and 31 Oct are late.
    assert fire["within_deadline_share"] == pytest.approx(1 / 3, abs=0.001)
    assert kz["counts_by_status"]["issued"] == 3


def test_statistics_carry_no_personal_data() -> None:
    world = make_world("KZ")
    _permit_after(world, 5)
    text = Client().get("/api/v1/permits/statistics").content.decode()
    for secret in (world.applicant.username, world.applicant.email, "Charge KZ LLP"):
        assert secret not in text


def test_the_transparency_page_is_public() -> None:
    world = make_world("KZ")
    _permit_after(world, 12)
    page = Client().get("/permits/transparency/")
    assert page.status_code == 200
    assert "Days to permit" in page.content.decode()


def test_unknown_country_is_a_404() -> None:
    assert Client().get("/api/v1/permits/statistics?country=DE").status_code == 404
