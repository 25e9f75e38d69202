"""Status rollups: per EVSE and local day (and month), the open seconds spent in each status.

The registry owns them, as it owns every table derived from its rows. They are folded from the
append-only status history (EVSEStatusEvent) in the order events were received, by
`fold_status_events` (the `kubat status-rollup` command, run every minute by `kubat worker`),
so the lean OCPI status path stays one statement (docs/decisions/0003-status-events.md); see
docs/decisions/0004-status-rollups.md for the design and its numbers.

The rule that turns events into time, in one place (`account`): a report of status S at time t
holds from t until the EVSE's next report; it counts as S until t plus the country profile's
freshness limit (`live_status.max_age_minutes`) and as "without data" after that; only seconds
within the location's opening hours (registry.opening) count. Times are the operator's
(`reported_at`), which the one write path keeps non-decreasing per EVSE. The tail since an
EVSE's last report is counted by `settle_status_rollups` up to a whole hour, so an EVSE that
fell silent shows its silence. A report that arrives after its time was settled (its reported
time is before the EVSE's `settled_until`) is counted from `settled_until`: the minutes before
it stay with the previous status.

`rebuild_status_rollups` recomputes everything from the raw events, EVSE by EVSE, and tests
prove it equal to the maintained rollups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from kubat.registry.compliance import load_profile
from kubat.registry.models import (
    EVSE,
    ROLLUP_COLUMNS,
    EVSEStatusCursor,
    EVSEStatusDay,
    EVSEStatusEvent,
    EVSEStatusMonth,
    StatusRollupMark,
)
from kubat.registry.opening import open_seconds_by_day, zone

NODATA = "NODATA"
# The freshness limit when a country has no profile: the strictest of the shipped profiles'.
DEFAULT_FRESHNESS = timedelta(minutes=15)
# Events younger than this are left for the next run: ids are taken from a sequence before
# commit, so a slightly older id may still be committing; every write commits within it.
COMMIT_LAG = timedelta(seconds=5)
MARK = "status"


@dataclass(slots=True)
class Place:
    """What the rule needs of an EVSE's location."""

    tz: ZoneInfo
    hours: Mapping[str, Any] | None
    freshness: timedelta


@dataclass(slots=True)
class Cursor:
    status: str
    reported_at: datetime
    settled_until: datetime


# (evse pk, day or month) -> column -> seconds
Totals = dict[tuple[int, date], dict[str, int]]


def column_of(status: str) -> str:
    """The rollup column of a status (NODATA: without data)."""
    return f"{status.lower()}_s"


def freshness_of(country_code: str) -> timedelta:
    """The country profile's limit on the age of a status (live_status.max_age_minutes)."""
    profile = load_profile(country_code) if country_code else None
    return profile.max_status_age if profile else DEFAULT_FRESHNESS


def places_of(evse_pks: Iterable[int]) -> dict[int, Place]:
    """Time zone, opening times and freshness limit for each EVSE (one query)."""
    rows = EVSE.objects.filter(pk__in=list(evse_pks)).values_list(
        "pk", "location__time_zone", "location__opening_times", "location__country_code"
    )
    return {
        pk: Place(tz=zone(tz or "UTC"), hours=hours, freshness=freshness_of(cc))
        for pk, tz, hours, cc in rows
    }


def account(
    *, totals: Totals, months: Totals, evse: int, place: Place, cursor: Cursor, until: datetime
) -> None:
    """Add [cursor.settled_until, until) of the cursor's status to the totals; advance it."""
    start = cursor.settled_until
    if until <= start:
        return
    fresh_end = cursor.reported_at + place.freshness
    pieces = ((cursor.status, start, min(until, fresh_end)), (NODATA, max(start, fresh_end), until))
    for status, a, b in pieces:
        if b <= a:
            continue
        column = column_of(status)
        for day, seconds in open_seconds_by_day(place.hours, place.tz, a, b).items():
            row = totals.setdefault((evse, day), defaultdict(int))
            row[column] += seconds
            month = months.setdefault((evse, day.replace(day=1)), defaultdict(int))
            month[column] += seconds
    cursor.settled_until = until


def apply_event(
    *,
    totals: Totals,
    months: Totals,
    cursors: dict[int, Cursor],
    places: Mapping[int, Place],
    evse: int,
    status: str,
    at: datetime,
) -> None:
    """Fold one status report: close the previous status's time, start the new one's."""
    place = places.get(evse)
    cursor = cursors.get(evse)
    if place is None:  # the EVSE is gone (a manual registry correction): history without a place
        return
    if cursor is None:
        cursors[evse] = Cursor(status=status, reported_at=at, settled_until=at)
        return
    account(totals=totals, months=months, evse=evse, place=place, cursor=cursor, until=at)
    cursor.status = status
    cursor.reported_at = max(cursor.reported_at, at)


def _upsert(table: str, key: str, totals: Totals) -> None:
    """Add the totals to the rollup rows, additive on conflict: on PostgreSQL one statement per
    batch over arrays (unnest), so neither a round trip per row nor a query of thousands of
    placeholders; on SQLite (in process, no round trips) executemany."""
    if not totals:
        return
    columns = ", ".join(ROLLUP_COLUMNS)
    increments = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in ROLLUP_COLUMNS)
    keys = list(totals)
    values = list(totals.values())
    if connection.vendor == "postgresql":
        arrays: list[list[int] | list[date]] = [
            [k[0] for k in keys],
            [k[1] for k in keys],
            *([int(v.get(c, 0)) for v in values] for c in ROLLUP_COLUMNS),
        ]
        types = ["bigint", "date", *(["bigint"] * len(ROLLUP_COLUMNS))]
        unnest = ", ".join(f"%s::{t}[]" for t in types)
        sql = (
            f"INSERT INTO {table} (evse_id, {key}, {columns}) SELECT * FROM unnest({unnest}) "
            f"ON CONFLICT (evse_id, {key}) DO UPDATE SET {increments}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, arrays)
        return
    marks = ", ".join(["%s"] * (2 + len(ROLLUP_COLUMNS)))
    sql = (
        f"INSERT INTO {table} (evse_id, {key}, {columns}) VALUES ({marks}) "
        f"ON CONFLICT (evse_id, {key}) DO UPDATE SET {increments}"
    )
    rows: list[list[int | date]] = [
        [k[0], k[1], *(int(v.get(c, 0)) for c in ROLLUP_COLUMNS)]
        for k, v in zip(keys, values, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _save(totals: Totals, months: Totals, cursors: Mapping[int, Cursor]) -> None:
    _upsert(EVSEStatusDay._meta.db_table, "day", totals)
    _upsert(EVSEStatusMonth._meta.db_table, "month", months)
    EVSEStatusCursor.objects.bulk_create(
        [
            EVSEStatusCursor(
                evse_id=pk,
                status=c.status,
                reported_at=c.reported_at,
                settled_until=c.settled_until,
            )
            for pk, c in cursors.items()
        ],
        update_conflicts=True,
        unique_fields=["evse_id"],
        update_fields=["status", "reported_at", "settled_until"],
        batch_size=2000,
    )


def _load_cursors(evse_pks: Iterable[int]) -> dict[int, Cursor]:
    rows = EVSEStatusCursor.objects.filter(evse_id__in=list(evse_pks))
    return {
        r.evse_id: Cursor(status=r.status, reported_at=r.reported_at, settled_until=r.settled_until)
        for r in rows
    }


def _mark(lock: bool) -> StatusRollupMark:
    mark, _ = StatusRollupMark.objects.get_or_create(
        name=MARK, defaults={"last_event_id": 0, "updated_at": timezone.now()}
    )
    if lock:
        mark = StatusRollupMark.objects.select_for_update().get(name=MARK)
    return mark


def fold_status_events(
    *, batch_size: int = 20_000, max_batches: int | None = None, lag: timedelta = COMMIT_LAG
) -> int:
    """Fold every status event received since the last run into the rollups; returns how many.

    Each batch is one transaction that locks the mark row first (two workers never fold the same
    events), reads the events after the mark in id order, the cursors and places of their EVSEs,
    and writes the day and month rows (one additive upsert each), the cursors and the mark.
    """
    folded = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            mark = _mark(lock=True)
            horizon = timezone.now() - lag
            events = list(
                EVSEStatusEvent.objects.filter(id__gt=mark.last_event_id, received_at__lte=horizon)
                .order_by("id")
                .values_list("id", "evse_id", "status", "reported_at")[:batch_size]
            )
            if not events:
                return folded
            evses = {e[1] for e in events}
            cursors, places = _load_cursors(evses), places_of(evses)
            totals: Totals = {}
            months: Totals = {}
            for _, evse, status, at in events:
                apply_event(
                    totals=totals,
                    months=months,
                    cursors=cursors,
                    places=places,
                    evse=evse,
                    status=status,
                    at=at,
                )
            _save(totals, months, cursors)
            mark.last_event_id = events[-1][0]
            mark.updated_at = timezone.now()
            mark.save(update_fields=["last_event_id", "updated_at"])
        folded += len(events)
        batches += 1
    return folded


def settle_status_rollups(
    *, until: datetime | None = None, batch_size: int = 5000, lag: timedelta = COMMIT_LAG
) -> int:
    """Count each EVSE's time since its last report up to `until` (default: the last whole
    hour): the status while it is fresh, without data after. Returns the EVSEs advanced.

    Pending events are folded first, so the tail never runs past a report already received.
    """
    fold_status_events(lag=lag)
    if until is None:
        until = (timezone.now() - lag).replace(minute=0, second=0, microsecond=0)
    advanced = 0
    while True:
        with transaction.atomic():
            _mark(lock=True)
            rows = list(
                EVSEStatusCursor.objects.filter(settled_until__lt=until).order_by("evse_id")[
                    :batch_size
                ]
            )
            if not rows:
                return advanced
            cursors = {r.evse_id: Cursor(r.status, r.reported_at, r.settled_until) for r in rows}
            places = places_of(cursors)
            totals: Totals = {}
            months: Totals = {}
            for pk, cursor in cursors.items():
                place = places.get(pk)
                if place is None:
                    cursor.settled_until = until
                    continue
                account(
                    totals=totals, months=months, evse=pk, place=place, cursor=cursor, until=until
                )
            _save(totals, months, cursors)
        advanced += len(rows)


def rebuild_status_rollups(*, until: datetime | None = None) -> int:
    """Recompute every rollup from the raw events, EVSE by EVSE in reported order; returns the
    events read. `until` settles the tails as `settle_status_rollups` would (none when None).
    Run it inside a transaction (the command opens one): the rollups are replaced whole.
    """
    EVSEStatusDay.objects.all().delete()
    EVSEStatusMonth.objects.all().delete()
    EVSEStatusCursor.objects.all().delete()
    newest = EVSEStatusEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    evse_pks = sorted(
        set(EVSEStatusEvent.objects.filter(id__lte=newest).values_list("evse_id", flat=True))
    )
    read = 0
    for start in range(0, len(evse_pks), 1000):
        chunk = evse_pks[start : start + 1000]
        places = places_of(chunk)
        cursors: dict[int, Cursor] = {}
        totals: Totals = {}
        months: Totals = {}
        events = (
            EVSEStatusEvent.objects.filter(evse_id__in=chunk, id__lte=newest)
            .order_by("evse_id", "id")
            .values_list("evse_id", "status", "reported_at")
        )
        for evse, status, at in events.iterator(chunk_size=10_000):
            apply_event(
                totals=totals,
                months=months,
                cursors=cursors,
                places=places,
                evse=evse,
                status=status,
                at=at,
            )
            read += 1
        if until is not None:
            for pk, cursor in cursors.items():
                if pk in places and cursor.settled_until < until:
                    account(
                        totals=totals,
                        months=months,
                        evse=pk,
                        place=places[pk],
                        cursor=cursor,
                        until=until,
                    )
        _save(totals, months, cursors)
    mark = _mark(lock=False)
    mark.last_event_id = newest
    mark.updated_at = timezone.now()
    mark.save(update_fields=["last_event_id", "updated_at"])
    return read


def status_seconds(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Sum rollup rows (dicts with the ROLLUP_COLUMNS) into one dict of seconds per column."""
    out = dict.fromkeys(ROLLUP_COLUMNS, 0)
    for row in rows:
        for column in ROLLUP_COLUMNS:
            out[column] += int(row.get(column) or 0)
    return out
