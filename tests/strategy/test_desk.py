"""The desk's rules: targets against live indicators, owners notified once of an overdue
action, decisions that create actions, the quarterly report kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.core.errors import InvalidInput, PermissionDenied
from kubat.strategy import reports, selectors, services
from kubat.strategy.models import Action, QuarterlyReport
from tests.insights.factories import register
from tests.permits.factories import make_user, make_world

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def ministry() -> Organisation:
    return Organisation.objects.create(
        name="Ministry of Economy and Commerce",
        kind=Organisation.Kind.SECRETARIAT,
        country_code="KG",
    )


def test_a_target_is_judged_against_the_indicator_computed_live() -> None:
    world = make_world("KG")
    register(40, region="Chuy", on="2026-02-01")
    target = services.add_target(
        user=world.secretariat,
        indicator="evs_registered_in_year",
        country_code="KG",
        year=2026,
        value=100,
        baseline=0,
        legal_act="Quota decision",
        now=NOW,
    )
    register(20, region="Chuy", on="2026-03-01")
    row = next(r for r in selectors.target_rows(on=dt.date(2026, 6, 2)) if r["target"] == target)
    assert row["live"] == 60
    assert row["progress"] == pytest.approx(0.6)


def test_a_new_targets_baseline_is_the_live_value_when_it_was_set() -> None:
    world = make_world("KG")
    register(25, region="Chuy", on="2025-05-01")
    target = services.add_target(
        user=world.secretariat,
        indicator="evs_registered",
        country_code="KG",
        year=2027,
        value=1_000,
        legal_act="Act",
        now=NOW,
    )
    assert target.baseline == 25


def test_a_national_indicator_refuses_a_region_and_only_the_secretariat_sets_targets() -> None:
    world = make_world("KG")
    with pytest.raises(InvalidInput) as caught:
        services.add_target(
            user=world.secretariat,
            indicator="permit_median_days",
            country_code="KG",
            region="Chuy",
            year=2026,
            value=30,
            legal_act="Act",
        )
    assert caught.value.field == "region"
    with pytest.raises(InvalidInput) as caught:
        services.add_target(
            user=world.secretariat,
            indicator="nope",
            country_code="KG",
            year=2026,
            value=1,
            legal_act="A",
        )
    assert caught.value.field == "indicator"
    with pytest.raises(PermissionDenied):
        services.add_target(
            user=world.applicant,
            indicator="evs_registered",
            country_code="KG",
            year=2026,
            value=1,
            legal_act="A",
        )


def test_an_overdue_action_is_flagged_and_its_owner_notified_once() -> None:
    world = make_world("KG")
    owner = ministry()
    make_user("minister", organisation=owner)
    action = services.add_action(
        user=world.secretariat,
        country_code="KG",
        title="Approve the charging standard",
        owner=owner,
        due_on=dt.date(2026, 5, 31),
        now=NOW,
    )
    rows = selectors.action_rows(on=dt.date(2026, 6, 1))
    assert [r["overdue"] for r in rows if r["action"] == action] == [True]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        assert services.notify_overdue(now=NOW) == 1
        assert services.notify_overdue(now=NOW) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["minister@example.test"]
    assert "Approve the charging standard" in mail.outbox[0].subject


def test_an_overdue_notice_is_written_in_the_owners_language() -> None:
    world = make_world("KG")
    owner = ministry()
    minister = make_user("minister", organisation=owner)
    account_services.choose_language(user=minister, language="ru")
    services.add_action(
        user=world.secretariat,
        country_code="KG",
        title="Approve the charging standard",
        owner=owner,
        due_on=dt.date(2026, 5, 31),
        now=NOW,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        services.notify_overdue(now=NOW)
    assert mail.outbox[0].subject == (
        "[Kubat, стратегия] Просрочено: Approve the charging standard"
    )
    assert "31 мая 2026" in mail.outbox[0].body


def test_a_done_action_needs_evidence_and_is_not_overdue() -> None:
    world = make_world("KG")
    action = services.add_action(
        user=world.secretariat,
        country_code="KG",
        title="Set up the working group",
        owner=ministry(),
        due_on=dt.date(2026, 5, 1),
        now=NOW,
    )
    with pytest.raises(InvalidInput) as caught:
        services.set_action_status(user=world.secretariat, action=action, status="done")
    assert caught.value.field == "evidence"
    services.set_action_status(
        user=world.secretariat, action=action, status="done", evidence="Order 12"
    )
    assert services.overdue_actions(today=dt.date(2026, 6, 1)) == []


def test_a_decision_creates_its_actions() -> None:
    world = make_world("KG")
    owner = ministry()
    decision = services.record_decision(
        user=world.secretariat,
        country_code="KG",
        decided_on=dt.date(2026, 3, 2),
        title="Adopt the recommendations",
        actions=[
            services.ActionDraft(title="Single window", owner=owner, due_on=dt.date(2027, 1, 1))
        ],
    )
    assert list(Action.objects.filter(decision=decision).values_list("title", flat=True)) == [
        "Single window"
    ]


def test_the_quarterly_report_is_generated_by_the_command_and_kept() -> None:
    world = make_world("KG")
    services.add_target(
        user=world.secretariat,
        indicator="evs_registered",
        country_code="KG",
        year=2026,
        value=500,
        baseline=0,
        legal_act="Act",
        now=NOW,
    )
    call_command("strategy", "report", "--quarter", "2026Q2")
    kept = QuarterlyReport.objects.get()
    assert kept.quarter == "2026Q2"
    assert kept.csv.splitlines()[0].startswith("kind,country,region,indicator")
    assert "evs_registered" in kept.csv
    assert bytes(kept.pdf).startswith(b"%PDF")
    assert reports.quarter_end("2026Q1") == dt.date(2026, 3, 31)
    with pytest.raises(CommandError) as caught:
        call_command("strategy", "report", "--quarter", "2026Q5")
    assert caught.value.returncode == 2


def test_a_reliability_target_is_judged_live_from_the_status_history() -> None:
    """One hour out of order in ten measured hours: the indicator reads 90 % (reg. 7) and a
    99 % target set before the history arrived is judged against it."""
    from datetime import timedelta

    from kubat.registry import rollups
    from kubat.registry import services as registry_services
    from kubat.registry.enums import Source
    from tests.registry import factories as registry_factories

    world = make_world("KG")
    target = services.add_target(
        user=world.secretariat,
        indicator="reliability_pct",
        country_code="KG",
        year=2026,
        value=99,
        baseline=80,
        legal_act="Demo assumption",
        now=NOW,
    )
    before = selectors.target_rows(on=dt.date(2026, 10, 1))[0]
    assert (before["live"], before["status"]) == (None, "no_data")
    evse = registry_factories.save(registry_factories.location_data()).evses.get()
    t0 = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)  # the EVSE's first status
    reports = [
        (evse.pk, "OUTOFORDER" if i <= 6 else "AVAILABLE", t0 + timedelta(minutes=10 * i))
        for i in range(1, 61)
    ]
    registry_services.replay_status_reports(reports=reports, source=Source.OCPI)
    rollups.fold_status_events(lag=timedelta(0))
    row = next(r for r in selectors.target_rows(on=dt.date(2026, 10, 12)) if r["target"] == target)
    assert row["live"] == pytest.approx(90.0)
    # (90 - 80) / (99 - 80) = 53 % of the way, 62 % of the time from 1 June gone: at risk.
    assert row["status"] == "at_risk"
