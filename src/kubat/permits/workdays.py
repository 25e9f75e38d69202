"""Deadlines in calendar or business days, per country, in the country's own time zone.

Business days skip the country's weekend, the public holidays the `holidays` package knows
for it (Kyrgyzstan and Kazakhstan both, including moved days such as Nooruz), and the extra
holidays and working days listed in the country's track file, for decrees the package has
not caught up with.

Counting rule, as statutes read: "within N days of submission" starts counting the day after
the event, so the deadline is the end (local midnight) of the N-th counted day. A deadline of 0
days ends with the day of the event itself. Every datetime in and out is aware; stored ones UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from kubat.permits.tracks import CalendarRules, DayKind, rules_for


class WorkCalendar:
    """Which days of one country count as business days."""

    def __init__(self, *, country_code: str, rules: CalendarRules) -> None:
        self.country_code = country_code
        self.weekend = frozenset(rules.weekend)
        self.library = holidays.country_holidays(country_code) if rules.library_holidays else None
        self.extra_holidays = frozenset(date.fromisoformat(d) for d in rules.extra_holidays)
        self.extra_working = frozenset(date.fromisoformat(d) for d in rules.extra_working_days)

    def is_business_day(self, day: date) -> bool:
        if day in self.extra_working:
            return True
        if day in self.extra_holidays:
            return False
        if day.weekday() in self.weekend:
            return False
        return not (self.library is not None and day in self.library)

    def add(self, start: date, days: int, kind: DayKind) -> date:
        """The last day of a term of `days` counted from the day after `start`."""
        if kind == DayKind.CALENDAR:
            return start + timedelta(days=days)
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_business_day(day):
                left -= 1
        return day

    def count(self, start: date, end: date, kind: DayKind) -> int:
        """Days of `kind` after `start` up to and including `end` (0 when end <= start)."""
        if end <= start:
            return 0
        if kind == DayKind.CALENDAR:
            return (end - start).days
        return sum(
            1
            for n in range(1, (end - start).days + 1)
            if self.is_business_day(start + timedelta(days=n))
        )


@lru_cache(maxsize=8)
def calendar_for(country_code: str) -> WorkCalendar:
    rules = rules_for(country_code)
    return WorkCalendar(country_code=rules.country_code, rules=rules.calendar)


def zone_for(country_code: str) -> ZoneInfo:
    return ZoneInfo(rules_for(country_code).time_zone)


def local_date(moment: datetime, *, country_code: str) -> date:
    return moment.astimezone(zone_for(country_code)).date()


def end_of_day(day: date, *, country_code: str) -> datetime:
    """Local midnight after `day`, in UTC: the last instant a term ending on `day` is met."""
    zone = zone_for(country_code)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def deadline(*, start: datetime, days: int, kind: DayKind, country_code: str) -> datetime:
    """When a term of `days` (calendar or business) that starts at `start` runs out (UTC)."""
    cal = calendar_for(country_code)
    last = cal.add(local_date(start, country_code=country_code), days, kind)
    return end_of_day(last, country_code=country_code)


def days_left(*, now: datetime, due_at: datetime, kind: DayKind, country_code: str) -> int:
    """Whole days of `kind` still left before `due_at`, used to resume a paused clock."""
    cal = calendar_for(country_code)
    today = local_date(now, country_code=country_code)
    last = local_date(due_at - timedelta(microseconds=1), country_code=country_code)
    return cal.count(today, last, kind)
