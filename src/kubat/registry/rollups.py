"""Status rollups: per EVSE and local day (and month), the open seconds spent in each status.

The registry owns them, as it owns every table derived from its rows. They are folded from the
append-only status history (EVSEStatusEvent) in the order events were received, by
`fold_status_events` (the `kubat status-rollup` command, run every minute by `kubat worker`),
so the lean OCPI status path stays one statement (docs/decisions/0003-status-events.md); see
docs/decisions/0004-status-rollups.md for the design and its numbers.

The rule that turns events into time, in one place (`account`): a report of status S at time t
holds from t until the EVSE's next report; it counts as S until t plus the country profile's
freshness limit (`live_status.max_age_minutes`) and as "without data" after that (except
PLANNED and REMOVED, which are not in service and hold until the next report); only seconds
within the location's opening hours (registry.opening) count. Times are the operator's
(`reported_at`), which the one write path keeps non-decreasing per EVSE. The tail since an
EVSE's last report is counted by `settle_status_rollups` up to a whole hour, so an EVSE that
fell silent shows its silence. A report that arrives after its time was settled (its reported
time is before the EVSE's `settled_until`) is counted from `settled_until`: the minutes before
it stay with the previous status.

The fold runs set-based in SQL (registry.rollup_sql: a few statements per batch of events) for
the EVSEs where the rule is integer arithmetic (always open, a zone that keeps its offset), and
through this module's Python code, event by event, for the rest (opening hours, summer time).
`rebuild_status_rollups` recomputes everything from the raw events, EVSE by EVSE, with the
Python code alone, and tests prove it equal to the maintained rollups: the SQL is checked
against the rule's reference code.
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

from kubat.registry import rollup_sql
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
from kubat.registry.rollup_sql import freshness_of

NODATA = "NODATA"
NOT_IN_SERVICE = rollup_sql.NOT_IN_SERVICE
# Events younger than this are left for the next run: ids are taken from a sequence before
# commit, so a slightly older id may still be committing; every write commits within it.
COMMIT_LAG = timedelta(seconds=5)
MARK = "status"
# Events per fold transaction: a worker run (every minute) at 2,000 events/s is about two.
DEFAULT_BATCH = 50_000


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
    # PLANNED and REMOVED are not in service: no heartbeat is due, so they never go stale.
    fresh_end = until if cursor.status in NOT_IN_SERVICE else cursor.reported_at + place.freshness
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


def _fold_in_python(*, after: int, last: int, horizon: datetime, evses: Sequence[int]) -> None:
    """Fold the batch's events of `evses` (the ones the SQL fold leaves) by the rule's code."""
    events = (
        EVSEStatusEvent.objects.filter(
            id__gt=after, id__lte=last, received_at__lte=horizon, evse_id__in=list(evses)
        )
        .order_by("id")
        .values_list("evse_id", "status", "reported_at")
    )
    cursors, places = _load_cursors(evses), places_of(evses)
    totals: Totals = {}
    months: Totals = {}
    for evse, status, at in events:
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


def fold_status_events(
    *, batch_size: int = DEFAULT_BATCH, max_batches: int | None = None, lag: timedelta = COMMIT_LAG
) -> int:
    """Fold every status event received since the last run into the rollups; returns how many.

    Each batch is one transaction that locks the mark row first (two workers never fold the same
    events) and takes the next events after the mark in id order. The EVSEs at always-open
    locations in a zone of one offset (nearly all) are folded set-based in SQL
    (registry.rollup_sql: a few statements per batch, whatever its size); the others by the
    rule's Python code, event by event. Both write the same day and month rows and cursors.
    """
    folded = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            mark = _mark(lock=True)
            horizon = timezone.now() - lag
            rollup_sql.prepare()
            count, last = rollup_sql.load_batch(
                after=mark.last_event_id, horizon=horizon, limit=batch_size
            )
            if not count:
                rollup_sql.clear()
                return folded
            others = rollup_sql.fold_batch()
            rollup_sql.clear()
            if others:
                _fold_in_python(after=mark.last_event_id, last=last, horizon=horizon, evses=others)
            mark.last_event_id = last
            mark.updated_at = timezone.now()
            mark.save(update_fields=["last_event_id", "updated_at"])
        folded += count
        batches += 1
    return folded


def settle_status_rollups(
    *, until: datetime | None = None, batch_size: int = 5000, lag: timedelta = COMMIT_LAG
) -> int:
    """Count each EVSE's time since its last report up to `until` (default: the last whole
    hour): the status while it is fresh, without data after. Returns the EVSEs advanced.

    Pending events are folded first, so the tail never runs past a report already received.
    The EVSEs the SQL fold handles are settled in one set-based pass; the rest in batches by
    the rule's Python code.
    """
    fold_status_events(lag=lag)
    if until is None:
        until = (timezone.now() - lag).replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        _mark(lock=True)
        rollup_sql.prepare()
        advanced = rollup_sql.settle(until=until)
        rollup_sql.clear()
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
