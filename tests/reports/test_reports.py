"""Drivers' reports: anyone reports, photos are checked, the limit holds, the operator answers."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from PIL import Image

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.core.errors import PermissionDenied
from kubat.insights import selectors as insights_selectors
from kubat.registry import rollups, services
from kubat.registry.enums import Source
from kubat.registry.models import Location
from kubat.registry.reliability import Period
from kubat.reports import selectors
from kubat.reports import services as report_services
from kubat.reports.models import DriverReport, State
from tests.registry import factories

pytestmark = pytest.mark.django_db


def _location() -> Location:
    return factories.save(factories.location_data())


def _operator(name: str, location: Location | None) -> User:
    user = User.objects.create_user(name, password="pw-for-tests")
    account_services.grant_role(user=user, role=Role.OPERATOR)
    org = Organisation.objects.create(name=f"{name} org", kind=Organisation.Kind.OPERATOR)
    account_services.join_organisation(user=user, organisation=org)
    if location is not None:
        party = location.party
        party.organisation = org
        party.save()
    return user


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_anyone_reports_without_an_account_and_the_open_report_shows_on_the_page() -> None:
    location = _location()
    client = Client()
    answer = client.post(
        f"/locations/{location.pk}/report/",
        {"kind": "NOT_WORKING", "evse": "L1-1", "message": "Cable does not lock"},
    )
    assert answer.status_code == 302
    report = DriverReport.objects.get()
    assert report.evse is not None
    assert report.state == State.OPEN
    page = client.get(f"/locations/{location.pk}/")
    assert "Cable does not lock" in page.content.decode()


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_written() -> None:
    location = _location()
    fake = io.BytesIO(b"\x89PNG\r\n\x1a\n not really a png")
    fake.name = "photo.png"
    answer = Client().post(
        f"/locations/{location.pk}/report/",
        {"kind": "NOT_WORKING", "message": "Broken", "photo": fake},
    )
    assert answer.status_code == 400
    assert "not a readable image" in answer.content.decode()
    assert not DriverReport.objects.exists()


def test_a_real_image_is_kept_for_the_operator_only() -> None:
    location = _location()
    photo = io.BytesIO(_png())
    photo.name = "photo.png"
    Client().post(
        f"/locations/{location.pk}/report/",
        {"kind": "NOT_WORKING", "message": "Broken", "photo": photo},
    )
    report = DriverReport.objects.get()
    assert report.photo_type == "image/png"
    assert Client().get(f"/reports/{report.pk}/photo").status_code == 404  # anonymous
    operator = Client()
    operator.force_login(_operator("op", location))
    seen = operator.get(f"/reports/{report.pk}/photo")
    assert seen.status_code == 200
    assert seen["Content-Type"] == "image/png"


def test_reports_are_rate_limited_per_address(settings: pytest.FixtureRequest) -> None:
    settings.KUBAT_REPORT_RATE_LIMIT = 2  # type: ignore[attr-defined]
    cache.clear()  # counts of other tests' posts from the same address
    location = _location()
    client = Client()
    codes = [
        client.post(
            f"/locations/{location.pk}/report/", {"kind": "WRONG_DETAIL", "message": f"n{i}"}
        ).status_code
        for i in range(3)
    ]
    assert codes == [302, 302, 429]
    assert DriverReport.objects.count() == 2


def test_a_missing_message_names_the_field() -> None:
    location = _location()
    answer = Client().post(f"/locations/{location.pk}/report/", {"kind": "NOT_WORKING"})
    assert answer.status_code == 400
    assert not DriverReport.objects.exists()


def test_the_operator_answers_from_its_queue_and_another_operator_cannot() -> None:
    location = _location()
    report = report_services.submit_report(
        location_id=location.pk, kind="NOT_WORKING", message="Dead"
    )
    owner = _operator("owner", location)
    stranger = _operator("stranger", None)
    assert list(selectors.queue_for(user=stranger)) == []
    with pytest.raises(PermissionDenied):
        report_services.answer_report(
            user=stranger, report_id=report.pk, state="FIXED", answer="no"
        )
    client = Client()
    client.force_login(owner)
    assert "Dead" in client.get("/reports/queue/").content.decode()
    done = client.post(
        "/reports/queue/", {"report": report.pk, "state": "FIXED", "answer": "Restarted"}
    )
    assert done.status_code == 302
    report.refresh_from_db()
    assert report.state == State.FIXED
    assert report.answer == "Restarted"
    # A fixed report is closed: it leaves the location's page.
    assert selectors.open_reports(location_id=location.pk) == []


def test_the_scorecard_shows_drivers_reports_beside_the_status_data() -> None:
    location = _location()
    evse = location.evses.get()
    start = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    for step in range(1, 61):
        services.record_evse_status(
            party=location.party_id,
            location_id=location.ocpi_id,
            evse_uid=evse.uid,
            status="AVAILABLE",
            at=start + timedelta(minutes=10 * step),
            source=Source.OCPI,
        )
    rollups.fold_status_events(lag=timedelta(0))
    report_services.submit_report(location_id=location.pk, kind="NOT_WORKING", message="Dead")
    DriverReport.objects.update(created_at=start + timedelta(hours=2))
    [row] = insights_selectors.scorecards(country="KG", period=Period(2026, 10))
    assert row["reliability"] == pytest.approx(1.0)
    assert row["drivers_reports"]["not_working"] == 1
    assert row["reports_contradict"] is True
    page = Client().get("/insights/reliability/?country=KG&year=2026&month=10")
    assert page.status_code == 200
    assert "KG*TST" in page.content.decode()
    api = Client().get("/api/v1/insights/reliability/KG?year=2026&month=10").json()
    assert api["operators"][0]["drivers_reports"]["not_working"] == 1
    assert Client().get("/api/v1/insights/reliability/KG?year=2026&month=13").status_code == 400
