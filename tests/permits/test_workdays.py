"""Deadlines skip weekends and each country's public holidays, and end at local midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime

from kubat.permits.tracks import DayKind
from kubat.permits.workdays import calendar_for, days_left, deadline


def test_business_days_skip_weekends() -> None:
    cal = calendar_for("KZ")
    # Thursday 2026-10-01 + 2 business days: Friday, (weekend), Monday.
    assert cal.add(date(2026, 10, 1), 2, DayKind.BUSINESS) == date(2026, 10, 5)


def test_business_days_skip_public_holidays_of_the_country() -> None:
    # Kazakhstan: Republic Day 25 Oct 2026 is a Sunday, observed Monday 26 Oct.
    assert calendar_for("KZ").add(date(2026, 10, 23), 1, DayKind.BUSINESS) == date(2026, 10, 27)
    # Kyrgyzstan: Independence Day, Monday 31 Aug 2026.
    assert calendar_for("KG").add(date(2026, 8, 28), 1, DayKind.BUSINESS) == date(2026, 9, 1)


def test_calendar_days_count_every_day() -> None:
    assert calendar_for("KG").add(date(2026, 8, 28), 3, DayKind.CALENDAR) == date(2026, 8, 31)


def test_deadline_is_local_midnight_after_the_last_day() -> None:
    start = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    due = deadline(start=start, days=2, kind=DayKind.BUSINESS, country_code="KZ")
    # 2026-10-05 ends at 2026-10-06 00:00 in Almaty (UTC+5) = 2026-10-05 19:00 UTC.
    assert due == datetime(2026, 10, 5, 19, 0, tzinfo=UTC)


def test_days_left_counts_the_remaining_term() -> None:
    start = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    due = deadline(start=start, days=10, kind=DayKind.BUSINESS, country_code="KZ")
    assert days_left(now=start, due_at=due, kind=DayKind.BUSINESS, country_code="KZ") == 10
    later = datetime(2026, 10, 6, 9, 0, tzinfo=UTC)  # Tuesday: Fri, Mon, Tue used
    assert days_left(now=later, due_at=due, kind=DayKind.BUSINESS, country_code="KZ") == 7
