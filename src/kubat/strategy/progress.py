"""The status rule of a target, stated once (and on the /strategy/ page).

Progress is the share of the way from the baseline (the indicator's value when the target was
set) to the target value that the live value has covered: (live - baseline) ÷ (target -
baseline), so it reads the same for an indicator that should rise (EVs registered) and one
that should fall (median permit days). Expected progress is the share of the time elapsed
from the day the target was set to the end of the target's year. Then:

- on track: progress ≥ expected, or the target is reached (the live value at or beyond it in
  the indicator's direction: at or above for one that should rise, at or below for one that
  should fall, whatever the baseline);
- at risk: progress ≥ expected - 0.25 (a quarter of the way behind at most);
- off track: further behind, or the year is over and the target not reached.

No live value (an indicator without data) gives no status ("no data").
"""

from __future__ import annotations

import datetime as dt

ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
NO_DATA = "no_data"
AT_RISK_MARGIN = 0.25


def progress(*, live: float, baseline: float, target: float) -> float:
    """Share of the way from `baseline` to `target` covered by `live` (1.0: reached)."""
    if target == baseline:
        return 1.0 if live == target else 0.0
    return (live - baseline) / (target - baseline)


def expected(*, set_on: dt.date, year: int, today: dt.date) -> float:
    """Share of the time from `set_on` to 31 December of `year` elapsed by `today` (0 to 1)."""
    end = dt.date(year, 12, 31)
    if today >= end:
        return 1.0
    total = (end - set_on).days
    if total <= 0:
        return 1.0
    return max(0.0, min(1.0, (today - set_on).days / total))


def reached(*, live: float, target: float, falls: bool = False) -> bool:
    """The target is met: at or above it (an indicator that rises), at or below (one that falls)."""
    return live <= target if falls else live >= target


def status_of(
    *,
    live: float | None,
    baseline: float,
    target: float,
    set_on: dt.date,
    year: int,
    today: dt.date,
    falls: bool = False,
) -> str:
    """on_track, at_risk, off_track or no_data by the rule in the module docstring."""
    if live is None:
        return NO_DATA
    if reached(live=live, target=target, falls=falls):
        return ON_TRACK
    done = progress(live=live, baseline=baseline, target=target)
    due = expected(set_on=set_on, year=year, today=today)
    if due >= 1.0:
        return OFF_TRACK
    if done >= due:
        return ON_TRACK
    if done >= due - AT_RISK_MARGIN:
        return AT_RISK
    return OFF_TRACK
