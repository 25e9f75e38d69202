"""The status rule of a target (kubat.strategy.progress), as stated on /strategy/."""

from __future__ import annotations

import datetime as dt

from kubat.strategy import progress

SET = dt.date(2026, 1, 1)


def status(live: float | None, *, baseline: float = 0, target: float = 100, on: dt.date) -> str:
    return progress.status_of(
        live=live, baseline=baseline, target=target, set_on=SET, year=2026, today=on
    )


def test_progress_at_least_the_elapsed_share_is_on_track() -> None:
    mid = dt.date(2026, 7, 2)  # about half the year
    assert status(55, on=mid) == progress.ON_TRACK


def test_up_to_a_quarter_behind_is_at_risk_and_further_behind_is_off_track() -> None:
    mid = dt.date(2026, 7, 2)
    assert status(30, on=mid) == progress.AT_RISK
    assert status(20, on=mid) == progress.OFF_TRACK


def test_a_target_not_reached_by_the_end_of_its_year_is_off_track_and_reached_is_on_track() -> None:
    after = dt.date(2027, 1, 5)
    assert status(99, on=after) == progress.OFF_TRACK
    assert status(100, on=after) == progress.ON_TRACK


def test_an_indicator_that_should_fall_reads_the_same_way() -> None:
    mid = dt.date(2026, 7, 2)
    # Median permit days from 170 down to 30: at 90 the way covered is 80/140, 57 %.
    assert progress.progress(live=90, baseline=170, target=30) == 80 / 140
    assert status(90, baseline=170, target=30, on=mid) == progress.ON_TRACK


def test_no_live_value_gives_no_status() -> None:
    assert status(None, on=dt.date(2026, 7, 2)) == progress.NO_DATA


def test_a_target_already_met_is_on_track_whatever_the_baseline() -> None:
    mid = dt.date(2026, 7, 2)
    # 55 stations where 50 were asked and 50 stood when the target was set.
    assert status(55, baseline=50, target=50, on=mid) == progress.ON_TRACK
    # 19 median days where at most 30 are asked: met, for an indicator that falls.
    assert (
        progress.status_of(
            live=19, baseline=19, target=30, set_on=SET, year=2026, today=mid, falls=True
        )
        == progress.ON_TRACK
    )
