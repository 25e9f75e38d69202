"""Reliability from the status history: reg. 7 fixtures, opening hours, rebuild = maintained."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction

from kubat.registry import reliability, rollup_sql, rollups, services
from kubat.registry.enums import Source
from kubat.registry.models import (
    EVSE,
    ROLLUP_COLUMNS,
    EVSEStatusCursor,
    EVSEStatusDay,
    EVSEStatusEvent,
    EVSEStatusMonth,
    StatusRollupMark,
)
from kubat.registry.reliability import Period
from tests.registry import factories

pytestmark = pytest.mark.django_db(transaction=False)

T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)  # factories.STAMP: the EVSE's first status
NO_LAG = timedelta(0)


def _station(ocpi_id: str = "L1", **extra: object) -> EVSE:
    location = factories.save(factories.location_data(ocpi_id=ocpi_id, **extra))
    return location.evses.get()


def _report_every_ten_minutes(evse: EVSE, hours: int, faulty: dict[int, str]) -> None:
    """Report the status every 10 minutes for `hours` hours through the OCPI status path:
    AVAILABLE, or the status `faulty` gives for that hour."""
    for step in range(1, hours * 6 + 1):
        at = T0 + timedelta(minutes=10 * step)
        hour = (step - 1) // 6
        services.record_evse_status(
            party=evse.location.party_id,
            location_id=evse.location.ocpi_id,
            evse_uid=evse.uid,
            status=faulty.get(hour, "AVAILABLE"),
            at=at,
            source=Source.OCPI,
        )


def _october(evse: EVSE) -> reliability.Reliability:
    rollups.fold_status_events(lag=NO_LAG)
    return reliability.reliability_by(period=Period(2026, 10), evse=evse.pk)[()]


def test_one_hour_out_of_order_in_100_open_hours_is_99_percent() -> None:
    evse = _station()
    # The report at the start of hour 49 says OUTOFORDER: it holds from its time for one hour.
    _report_every_ten_minutes(evse, 100, dict.fromkeys([49], "OUTOFORDER"))
    figure = _october(evse)
    assert figure.measured_s == 100 * 3600
    # Hour 49's first report is at its start + 10 min, so the fault covers 10:00 … 11:00 of it.
    assert figure.not_reliable_s == 3600
    assert figure.reliability == pytest.approx(0.99)
    assert figure.strict == pytest.approx(0.99)


def test_one_hour_blocked_in_100_is_100_percent_by_the_rule_and_99_strict() -> None:
    evse = _station()
    _report_every_ten_minutes(evse, 100, {49: "BLOCKED"})
    figure = _october(evse)
    assert figure.measured_s == 100 * 3600
    assert figure.reliability == pytest.approx(1.0)
    assert figure.strict == pytest.approx(0.99)
    assert figure.as_dict()["share_ineligible"] == pytest.approx(0.01)


def test_hours_outside_opening_times_do_not_count() -> None:
    # Open 08:00–18:00 Bishkek time every day: 02:00–12:00 UTC.
    hours = {
        "twentyfourseven": False,
        "regular_hours": [
            {"weekday": d, "period_begin": "08:00", "period_end": "18:00"} for d in range(1, 8)
        ],
    }
    evse = _station(opening_times=hours)
    start = datetime(2026, 10, 2, 0, 0, tzinfo=UTC)  # 06:00 local, before opening
    reports = [
        (evse.pk, "AVAILABLE", start + timedelta(minutes=10 * i)) for i in range(0, 10 * 24 * 6 + 1)
    ]
    # Out of order for an hour at night (20:00–21:00 local) and for an hour while open.
    night = start + timedelta(hours=14)
    day = start + timedelta(hours=4)
    faults = {night + timedelta(minutes=10 * k) for k in range(6)} | {
        day + timedelta(minutes=10 * k) for k in range(6)
    }
    reports = [(pk, "OUTOFORDER" if at in faults else status, at) for pk, status, at in reports]
    services.replay_status_reports(reports=reports, source=Source.OCPI)
    rollups.fold_status_events(lag=NO_LAG)
    figure = reliability.reliability_by(period=Period(2026, 10), evse=evse.pk)[()]
    # From the first status (T0, 18:00 local on 1 October: closed) to the last report, 10 days
    # of 10 open hours: 100 open hours, of which one out of order.
    assert figure.measured_s == 100 * 3600
    assert figure.not_reliable_s == 3600
    assert figure.reliability == pytest.approx(0.99)


def test_a_silent_evse_is_without_data_after_the_freshness_limit() -> None:
    evse = _station()
    services.record_evse_status(
        party=evse.location.party_id,
        location_id=evse.location.ocpi_id,
        evse_uid=evse.uid,
        status="AVAILABLE",
        at=T0 + timedelta(hours=10),
        source=Source.OCPI,
    )
    figure = _october(evse)
    # KG profile: a status is fresh for 15 minutes; the other 9 h 45 min are without data.
    assert figure.working_s == 15 * 60
    assert figure.nodata_s == 10 * 3600 - 15 * 60
    assert figure.reliability == pytest.approx(1.0)  # the rule rewards silence …
    assert figure.strict == pytest.approx(0.025)  # … the strict figure does not


def _snapshot() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    days = sorted(EVSEStatusDay.objects.values_list("evse_id", "day", *ROLLUP_COLUMNS))
    months = sorted(EVSEStatusMonth.objects.values_list("evse_id", "month", *ROLLUP_COLUMNS))
    return days, months


def test_a_rollup_rebuilt_from_the_raw_events_equals_the_maintained_one() -> None:
    rng = random.Random(13)
    hours = {
        "twentyfourseven": False,
        "regular_hours": [
            {"weekday": d, "period_begin": "07:00", "period_end": "23:00"} for d in range(1, 6)
        ]
        + [{"weekday": 6, "period_begin": "22:00", "period_end": "02:00"}],
    }
    evses = [
        _station("A"),
        _station("B", opening_times=hours),
        _station("C", time_zone="Asia/Almaty"),
    ]
    statuses = ["AVAILABLE", "CHARGING", "CHARGING", "BLOCKED", "OUTOFORDER", "UNKNOWN", "RESERVED"]
    last = dict.fromkeys((e.pk for e in evses), T0)
    for _round in range(6):
        reports = []
        for evse in evses:
            at = last[evse.pk]
            for _ in range(rng.randint(20, 60)):
                # Gaps from a minute to a day: some beyond the 15-minute freshness limit.
                at += timedelta(
                    seconds=rng.choice([60, 300, 600, 900, 3600, 86400]) + rng.randint(0, 59)
                )
                reports.append((evse.pk, rng.choice(statuses), at))
            last[evse.pk] = at
        services.replay_status_reports(reports=reports, source=Source.OCPI)
        rollups.fold_status_events(batch_size=17, lag=NO_LAG)  # small batches: state crosses them
    until = max(last.values()) + timedelta(days=1)
    rollups.settle_status_rollups(until=until, lag=NO_LAG)
    maintained = _snapshot()
    assert maintained[0], "the history produced rollups"
    rollups.rebuild_status_rollups(until=until)
    assert _snapshot() == maintained
    # Days add up to months.
    month_total = sum(sum(row[2:]) for row in maintained[1])  # type: ignore[misc]
    day_total = sum(sum(row[2:]) for row in maintained[0])  # type: ignore[misc]
    assert month_total == day_total > 0


def test_rapid_network_below_target_is_a_profile_violation() -> None:
    evse = _station()  # 60 kW DC: rapid
    _report_every_ten_minutes(evse, 20, {5: "OUTOFORDER"})
    rollups.fold_status_events(lag=NO_LAG)
    found = reliability.network_violations(party=evse.location.party, period=Period(2026))
    assert [v.rule for v in found] == ["rapid-reliability"]
    assert "95.0%" in found[0].message


def test_the_operator_compliance_api_names_a_rapid_network_below_target(
    client: pytest.FixtureRequest,
) -> None:
    evse = _station()
    # This year's history: 10 hours of reports, the first hour out of order (90 %).
    reports = [
        (evse.pk, "OUTOFORDER" if i < 6 else "AVAILABLE", T0 + timedelta(minutes=10 * i))
        for i in range(1, 61)
    ]
    services.replay_status_reports(reports=reports, source=Source.OCPI)
    rollups.fold_status_events(lag=NO_LAG)
    body = client.get("/api/v1/operators/KG*TST/compliance").json()  # type: ignore[attr-defined]
    assert [v["rule"] for v in body["network_violations"]] == ["rapid-reliability"]


def _heartbeat(evse: EVSE, start: datetime, hours: int, status: str = "AVAILABLE") -> None:
    """A report every 10 minutes for `hours` hours from `start` (replayed: any date)."""
    reports = [(evse.pk, status, start + timedelta(minutes=10 * i)) for i in range(hours * 6 + 1)]
    services.replay_status_reports(reports=reports, source=Source.OCPI)


def _station_since(ocpi_id: str, since: datetime, **extra: object) -> EVSE:
    """A station whose first status is at `since` (its objects' last_updated)."""
    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    evse = factories.evse(f"{ocpi_id}-1")
    evse["last_updated"] = evse["connectors"][0]["last_updated"] = stamp
    return _station(ocpi_id, evses=[evse], last_updated=stamp, **extra)


def test_only_always_open_evses_in_a_steady_zone_are_folded_in_sql() -> None:
    hours = {
        "twentyfourseven": False,
        "regular_hours": [{"weekday": 1, "period_begin": "08:00", "period_end": "18:00"}],
    }
    steady = _station("S")
    part_time = _station("P", opening_times=hours)
    moving = _station("M", time_zone="Europe/Berlin")
    for evse in (steady, part_time, moving):
        _heartbeat(evse, datetime(2026, 10, 24, tzinfo=UTC), 48)  # Berlin leaves summer time
    with transaction.atomic():
        rollup_sql.prepare()
        count, _ = rollup_sql.load_batch(after=0, horizon=datetime.now(UTC), limit=10_000)
        assert count > 0
        assert rollup_sql.fold_batch() == sorted([part_time.pk, moving.pk])
        rollup_sql.clear()


def test_a_zone_holds_still_only_where_its_offset_does_not_change() -> None:
    day = 86400
    bishkek_2026 = datetime(2026, 11, 1, tzinfo=UTC).timestamp() // day
    almaty_change = datetime(2024, 3, 1, tzinfo=UTC).timestamp() // day
    assert rollup_sql.fixed_offset("Asia/Bishkek", int(bishkek_2026), int(bishkek_2026) + 30) == (
        6 * 3600
    )
    assert (
        rollup_sql.fixed_offset("Asia/Almaty", int(almaty_change) - 3, int(almaty_change)) is None
    )
    assert rollup_sql.fixed_offset("Asia/Almaty", int(bishkek_2026), int(bishkek_2026) + 30) == (
        5 * 3600
    )


@pytest.mark.parametrize(
    ("time_zone", "start", "long_day"),
    [
        # Berlin leaves summer time on 25 October 2026: that local day has 25 hours.
        ("Europe/Berlin", datetime(2026, 10, 24, 12, tzinfo=UTC), date(2026, 10, 25)),
        # Kazakhstan moved Almaty from UTC+6 to UTC+5 at midnight of 1 March 2024: 29 February
        # had 25 hours.
        ("Asia/Almaty", datetime(2024, 2, 28, 12, tzinfo=UTC), date(2024, 2, 29)),
    ],
)
def test_a_local_day_around_an_offset_change_counts_its_real_length(
    time_zone: str, start: datetime, long_day: date
) -> None:
    evse = _station_since("Z", start, time_zone=time_zone)
    _heartbeat(evse, start, 72)
    rollups.fold_status_events(lag=NO_LAG)
    row = EVSEStatusDay.objects.get(evse_id=evse.pk, day=long_day)
    assert row.available_s == 25 * 3600
    maintained = _snapshot()
    rollups.rebuild_status_rollups()
    assert _snapshot() == maintained


def test_the_set_based_fold_equals_the_rebuild_across_batches_and_settles() -> None:
    """Many always-open EVSEs in two zones (the SQL fold), random statuses and gaps beyond the
    freshness limit, small batches and a settle between rounds: the rebuild from the raw
    events by the rule's Python code gives the same rows."""
    rng = random.Random(2000)
    evses = [
        _station(f"Q{i}", time_zone="Asia/Almaty" if i % 2 else "Asia/Bishkek") for i in range(12)
    ]
    statuses = ["AVAILABLE", "CHARGING", "BLOCKED", "OUTOFORDER", "INOPERATIVE", "UNKNOWN"]
    last = dict.fromkeys((e.pk for e in evses), T0)
    for _round in range(4):
        reports = []
        for evse in evses:
            at = last[evse.pk]
            for _ in range(rng.randint(5, 40)):
                at += timedelta(seconds=rng.choice([1, 59, 600, 901, 7200, 90000]) + rng.random())
                reports.append((evse.pk, rng.choice(statuses), at))
            last[evse.pk] = at
        services.replay_status_reports(reports=reports, source=Source.OCPI)
        rollups.fold_status_events(batch_size=rng.randint(7, 60), lag=NO_LAG)
    until = max(last.values()) + timedelta(hours=5)
    rollups.settle_status_rollups(until=until, lag=NO_LAG)
    maintained = _snapshot()
    assert len(maintained[0]) > len(evses)
    rollups.rebuild_status_rollups(until=until)
    assert _snapshot() == maintained


def test_events_of_an_evse_no_longer_in_the_registry_are_passed_over() -> None:
    evse = _station("G")
    _heartbeat(evse, T0, 2)
    EVSEStatusEvent.objects.create(
        evse_id=evse.pk + 10_000, status="AVAILABLE", reported_at=T0, received_at=T0
    )
    newest = EVSEStatusEvent.objects.order_by("-id").values_list("id", flat=True).first()
    assert rollups.fold_status_events(lag=NO_LAG) == EVSEStatusEvent.objects.count()
    assert StatusRollupMark.objects.get(name=rollups.MARK).last_event_id == newest
    assert not EVSEStatusCursor.objects.filter(evse_id=evse.pk + 10_000).exists()
    assert EVSEStatusDay.objects.filter(evse_id=evse.pk).exists()


def test_a_planned_evse_is_not_measured_however_long_it_waits() -> None:
    """PLANNED is not in service: it sends no heartbeat, so its time never turns into time
    without data (which would count as measured and rewarded silence)."""
    evse = _station("P", evses=[factories.evse("P-1", status="PLANNED")])
    rollups.settle_status_rollups(until=T0 + timedelta(days=10), lag=NO_LAG)
    row = EVSEStatusMonth.objects.get(evse_id=evse.pk)
    assert (row.planned_s, row.nodata_s) == (10 * 86400, 0)
    assert reliability.reliability_by(period=Period(2026, 10), evse=evse.pk)[()].measured_s == 0
    maintained = _snapshot()
    rollups.rebuild_status_rollups(until=T0 + timedelta(days=10))
    assert _snapshot() == maintained


def test_an_evse_counts_once_in_a_month_and_once_in_a_year_across_months() -> None:
    evse = _station("Y")
    _heartbeat(evse, datetime(2026, 10, 31, 12, tzinfo=UTC), 24)  # into November
    rollups.fold_status_events(lag=NO_LAG)
    assert reliability.reliability_by(period=Period(2026))[()].evses == 1
    assert reliability.reliability_by(period=Period(2026, 11))[()].evses == 1
    assert EVSEStatusMonth.objects.filter(evse_id=evse.pk).count() == 2
