"""Opening hours as time: how many seconds of an interval a location is open, per local day.

Pure functions over OCPI 2.2.1 `Hours` (Location.opening_times, as stored): `twentyfourseven`,
`regular_hours` (weekday 1 = Monday … 7 = Sunday, `period_begin`/`period_end` as local "HH:MM"
in the location's `time_zone`; an end at or before the begin runs past midnight), and
`exceptional_closings` / `exceptional_openings` (UTC periods that remove or add time). A
location without opening times is taken as always open: OCPI says nothing then, and the
profile's `opening-times` rule flags the gap separately.

Used by the status rollups (registry.rollups): reliability counts only opening hours (UK Public
Charge Point Regulations 2023, reg. 7).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY = timedelta(days=1)
Window = tuple[datetime, datetime]


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA zone of a location; UTC when the stored name is not one (never raises)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _hm(value: str) -> timedelta:
    hours, _, minutes = value.partition(":")
    return timedelta(hours=int(hours), minutes=int(minutes or 0))


def _parse_utc(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def always_open(hours: Mapping[str, Any] | None) -> bool:
    """True when the location is open around the clock with no exceptions to apply."""
    if not hours:
        return True
    return bool(hours.get("twentyfourseven")) and not hours.get("exceptional_closings")


def _regular_windows(hours: Mapping[str, Any], day: date, tz: ZoneInfo) -> Iterator[Window]:
    """The open windows (UTC) that begin on local `day`, from twentyfourseven or regular_hours."""
    midnight = datetime.combine(day, time(), tzinfo=tz)
    if hours.get("twentyfourseven"):
        yield midnight.astimezone(UTC), (midnight + DAY).astimezone(UTC)
        return
    weekday = day.isoweekday()
    for period in hours.get("regular_hours") or []:
        if int(period.get("weekday", 0)) != weekday:
            continue
        begin, end = _hm(period["period_begin"]), _hm(period["period_end"])
        if end <= begin:
            end += DAY
        yield (midnight + begin).astimezone(UTC), (midnight + end).astimezone(UTC)


def _overlap(a: Window, b: Window) -> Window | None:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if end > start else None


def _merge(windows: list[Window]) -> list[Window]:
    merged: list[Window] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(windows: list[Window], cut: Window) -> list[Window]:
    out: list[Window] = []
    for start, end in windows:
        if cut[1] <= start or cut[0] >= end:
            out.append((start, end))
            continue
        if start < cut[0]:
            out.append((start, cut[0]))
        if cut[1] < end:
            out.append((cut[1], end))
    return out


def open_windows(
    hours: Mapping[str, Any] | None, tz: ZoneInfo, start: datetime, end: datetime
) -> list[Window]:
    """The open windows (UTC, merged, clipped to [start, end)) of a location."""
    if end <= start:
        return []
    if not hours:
        return [(start, end)]
    first = start.astimezone(tz).date() - DAY  # a window that began yesterday may run past midnight
    last = end.astimezone(tz).date()
    windows: list[Window] = []
    day = first
    while day <= last:
        for window in _regular_windows(hours, day, tz):
            clipped = _overlap(window, (start, end))
            if clipped:
                windows.append(clipped)
        day += DAY
    for extra in hours.get("exceptional_openings") or []:
        clipped = _overlap(
            (_parse_utc(extra["period_begin"]), _parse_utc(extra["period_end"])), (start, end)
        )
        if clipped:
            windows.append(clipped)
    windows = _merge(windows)
    for closing in hours.get("exceptional_closings") or []:
        windows = _subtract(
            windows, (_parse_utc(closing["period_begin"]), _parse_utc(closing["period_end"]))
        )
    return windows


EPOCH = date(1970, 1, 1)


# Offsets are sampled this often to see that a zone holds still: real zones never change
# their offset twice within six hours.
OFFSET_SAMPLE_S = 6 * 3600


def steady_offset(tz: ZoneInfo, start: int, end: int) -> int | None:
    """The zone's UTC offset (seconds) if it is the same from epoch second `start` to `end`
    (sampled every six hours and at the end); None when the zone changes its offset."""
    offsets = {
        datetime.fromtimestamp(t, tz).utcoffset()
        for t in [*range(start, end, OFFSET_SAMPLE_S), end]
    }
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return None if offset is None else int(offset.total_seconds())


def _seconds_by_day_fixed(tz: ZoneInfo, start: datetime, end: datetime) -> dict[date, int] | None:
    """The always-open case in integer arithmetic, when the zone's offset holds still over the
    interval (Kyrgyzstan and Kazakhstan have no summer time); None otherwise."""
    a, b = int(start.timestamp()), int(end.timestamp())
    shift = steady_offset(tz, a, b)
    if shift is None:
        return None
    a, b = a + shift, b + shift
    out: dict[date, int] = {}
    while a < b:
        day = a // 86400
        piece = min(b, (day + 1) * 86400)
        out[EPOCH + timedelta(days=day)] = piece - a
        a = piece
    return out


def _next_midnight(local: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant the local day after `local`'s begins. Where clocks go back across
    midnight (Almaty at 00:00 on 1 March 2024 went back to 23:00), the first reading of
    00:00 is the transition itself and still shows the old day; the second one begins it."""
    day = local.date() + DAY
    candidate = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
    if candidate.astimezone(tz).date() != day:
        candidate = datetime.combine(day, time(fold=1), tzinfo=tz).astimezone(UTC)
    return candidate


def open_seconds_by_day(
    hours: Mapping[str, Any] | None, tz: ZoneInfo, start: datetime, end: datetime
) -> dict[date, int]:
    """Seconds of [start, end) the location is open, keyed by local day (the day they fall on).

    Whole seconds: each window's ends are truncated to the second, so adding the pieces of a
    split interval gives the same total as the interval in one piece.
    """
    if end <= start:
        return {}
    if always_open(hours) and not (hours or {}).get("exceptional_openings"):
        fast = _seconds_by_day_fixed(tz, start, end)
        if fast is not None:
            return fast
    out: dict[date, int] = {}
    for w_start, w_end in open_windows(hours, tz, start, end):
        cursor = w_start
        while cursor < w_end:
            local = cursor.astimezone(tz)
            piece_end = min(w_end, _next_midnight(local, tz))
            seconds = int(piece_end.timestamp()) - int(cursor.timestamp())
            if seconds:
                out[local.date()] = out.get(local.date(), 0) + seconds
            cursor = piece_end
    return out
