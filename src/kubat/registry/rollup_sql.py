"""The status fold set-based: a batch of events turned into rollup rows by a few SQL statements.

registry.rollups holds the rule (`account`): a report holds until the EVSE's next one, as its
status up to the freshness limit and as "without data" after it, only within opening hours,
split by the location's local day. This module computes exactly that rule in SQL for the EVSEs
where it reduces to integer arithmetic, and leaves the others to the rule's Python code:

- the location is always open (no opening times, or `twentyfourseven` alone), and
- its time zone keeps one UTC offset over the whole stretch of time the batch touches (a zone
  with summer time, or one that changed its offset, as Asia/Almaty did in March 2024, near the
  stretch is left to Python), and
- its country's freshness limit is a whole number of seconds.

PLANNED and REMOVED hold until the next report without going stale (not in service: no
heartbeat is due), in both codes.

For those, every accounted interval [a, b) is cut into whole seconds of local time (each end
truncated to the second, as the Python rule truncates them) and split at local midnights with
a series of day numbers. The Python code is the reference: `rebuild_status_rollups` recomputes
everything with it, and a test proves the rebuild equal to what this fold maintains.

A batch lives in three temporary tables of the connection (the batch's events with their
EVSE's place, the accounted spans, and the seconds per EVSE and local day), emptied at the
start and end of each batch; everything runs inside the caller's transaction. The statements
are plain SQL with a handful of dialect fragments for SQLite and PostgreSQL (epoch seconds,
GREATEST/LEAST, day numbers to dates, the day series, JSON comparison, emptying a table).

Why: the per-event Python fold managed 880 events/s at 10,000 EVSEs on a loaded machine; the
target is that the rollups keep up with at least 2,000 events/s of national ingest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import connection

from kubat.registry.compliance import load_profile
from kubat.registry.models import (
    EVSE,
    ROLLUP_COLUMNS,
    EVSEStatusCursor,
    EVSEStatusDay,
    EVSEStatusEvent,
    EVSEStatusMonth,
    Location,
)
from kubat.registry.opening import steady_offset, zone

BATCH = "kubat_fold_batch"
SPAN = "kubat_fold_span"
DAYS = "kubat_fold_day"
PLACE = "kubat_fold_place"
DAY_S = 86400
# How far around a batch's stretch of time a zone's offset must hold still (a margin: the
# stretch is taken from whole days).
ZONE_MARGIN_S = 2 * DAY_S

# Statuses of an EVSE not in service: they hold until the next report and never go stale.
NOT_IN_SERVICE = ("PLANNED", "REMOVED")
# The freshness limit when a country has no profile: the strictest of the shipped profiles'.
DEFAULT_FRESHNESS = timedelta(minutes=15)

EVENTS = EVSEStatusEvent._meta.db_table
CURSORS = EVSEStatusCursor._meta.db_table
EVSES = EVSE._meta.db_table
LOCATIONS = Location._meta.db_table


@dataclass(frozen=True, slots=True)
class Dialect:
    """The few places where SQLite and PostgreSQL spell the same thing differently."""

    name: str

    @property
    def pg(self) -> bool:
        return self.name == "postgresql"

    def epoch(self, column: str) -> str:
        """Whole seconds since 1970 of a timestamp column, truncated (as int(dt.timestamp()))."""
        if self.pg:
            return f"CAST(floor(extract(epoch FROM {column})) AS bigint)"
        # Django stores 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC; the fraction is cut off first, as
        # SQLite's own conversion rounds it to milliseconds (which could round up a second).
        return f"unixepoch(substr({column}, 1, 19))"

    def greatest(self, *args: str) -> str:
        return f"{'GREATEST' if self.pg else 'max'}({', '.join(args)})"

    def least(self, *args: str) -> str:
        return f"{'LEAST' if self.pg else 'min'}({', '.join(args)})"

    def day(self, number: str) -> str:
        """The date of a day number (days since 1970-01-01)."""
        if self.pg:
            return f"(DATE '1970-01-01' + CAST({number} AS integer))"
        return f"date({number} * {DAY_S}, 'unixepoch')"

    def month(self, number: str) -> str:
        """The first day of the month of a day number."""
        if self.pg:
            return (
                f"CAST(date_trunc('month', DATE '1970-01-01' + CAST({number} AS integer)) AS date)"
            )
        return f"date({number} * {DAY_S}, 'unixepoch', 'start of month')"

    def always_open(self, column: str) -> str:
        """True for the opening times that mean always open with nothing to subtract or add
        (registry.opening.always_open without exceptional openings); anything else is False,
        so it goes to the Python rule, which handles every case."""
        if self.pg:
            return (
                f"({column} IS NULL OR {column} IN ('null'::jsonb, '{{}}'::jsonb, "
                f"'{{\"twentyfourseven\": true}}'::jsonb))"
            )
        return (
            f"({column} IS NULL OR json({column}) IN "
            f"('null', '{{}}', '{{\"twentyfourseven\":true}}'))"
        )

    def empty(self, table: str) -> str:
        return f"TRUNCATE {table}" if self.pg else f"DELETE FROM {table}"

    def tables(self) -> list[str]:
        big, ts, txt = ("bigint", "timestamptz", "text") if self.pg else ("integer", "text", "text")
        columns = ", ".join(f"{c} {big} NOT NULL DEFAULT 0" for c in ROLLUP_COLUMNS)
        return [
            f"CREATE TEMP TABLE IF NOT EXISTS {BATCH} (id {big}, evse_id {big}, status {txt}, "
            f"at {ts}, at_s {big}, tz {txt}, cc {txt}, simple smallint)",
            f"CREATE TEMP TABLE IF NOT EXISTS {PLACE} (tz {txt}, cc {txt}, off_s {big}, "
            f"fresh_s {big})",
            f"CREATE TEMP TABLE IF NOT EXISTS {SPAN} (evse_id {big}, status {txt}, rep_s {big}, "
            f"set_s {big}, until_s {big}, off_s {big}, fresh_s {big})",
            f"CREATE TEMP TABLE IF NOT EXISTS {DAYS} (evse_id {big}, d {big}, {columns})",
        ]


def freshness_of(country_code: str) -> timedelta:
    """The country profile's limit on the age of a status (live_status.max_age_minutes)."""
    profile = load_profile(country_code) if country_code else None
    return profile.max_status_age if profile else DEFAULT_FRESHNESS


def dialect() -> Dialect:
    return Dialect(connection.vendor)


def _run(sql: str, params: Sequence[Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def _db(value: datetime) -> Any:
    """A datetime as the connection stores it (SQLite: naive UTC text, so text comparisons hold)."""
    return connection.ops.adapt_datetimefield_value(value)


def prepare() -> None:
    """Create the temporary tables if this connection has none yet, and empty them."""
    d = dialect()
    if d.pg:
        # The planner cannot see into a temporary table's rows (no statistics) and prices a
        # batch as huge, so PostgreSQL would spend seconds JIT-compiling statements that run in
        # tenths of one: off for this transaction only.
        _run("SET LOCAL jit = off")
        # A batch's sorts and hashes (window functions, grouping) fit in memory, not on disk.
        _run("SET LOCAL work_mem = '128MB'")
    for statement in d.tables():
        _run(statement)
    for table in (BATCH, PLACE, SPAN, DAYS):
        _run(d.empty(table))


def clear() -> None:
    """Empty the temporary tables (the end of a batch: nothing lingers in the connection)."""
    d = dialect()
    for table in (BATCH, PLACE, SPAN, DAYS):
        _run(d.empty(table))


@lru_cache(maxsize=1024)
def fixed_offset(name: str, first_day: int, last_day: int) -> int | None:
    """The UTC offset (seconds) of a zone if it holds still from day number `first_day` to
    `last_day`, with a margin of two days each side; None when it moves (opening.steady_offset,
    the test the Python rule makes of each interval)."""
    return steady_offset(
        zone(name or "UTC"),
        first_day * DAY_S - ZONE_MARGIN_S,
        (last_day + 1) * DAY_S + ZONE_MARGIN_S,
    )


def _fill_places(rows: Iterable[tuple[str, str, int | None, int | None]]) -> int:
    """Fill the place table from (zone, country, earliest second, latest second) of the simple
    EVSEs: the combinations the SQL fold may account. Returns how many."""
    places = []
    for tz, cc, lo, hi in rows:
        if lo is None or hi is None:
            continue
        offset = fixed_offset(tz, lo // DAY_S, hi // DAY_S)
        fresh = freshness_of(cc).total_seconds()
        if offset is None or not fresh.is_integer():
            continue
        places.append((tz, cc, offset, int(fresh)))
    if places:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {PLACE} (tz, cc, off_s, fresh_s) VALUES (%s, %s, %s, %s)", places
            )
    return len(places)


def load_batch(*, after: int, horizon: datetime, limit: int) -> tuple[int, int]:
    """Copy the next `limit` events after id `after` received by `horizon`, in id order, with
    their EVSE's zone, country and whether its location is always open. Returns (count, last id).
    """
    d = dialect()
    _run(
        f"INSERT INTO {BATCH} (id, evse_id, status, at, at_s, tz, cc, simple) "
        f"SELECT e.id, e.evse_id, e.status, e.reported_at, {d.epoch('e.reported_at')}, "
        f"COALESCE(l.time_zone, ''), COALESCE(l.country_code, ''), "
        f"CASE WHEN v.id IS NOT NULL AND {d.always_open('l.opening_times')} THEN 1 ELSE 0 END "
        f"FROM (SELECT id, evse_id, status, reported_at FROM {EVENTS} "
        f"WHERE id > %s AND received_at <= %s ORDER BY id LIMIT %s) e "
        f"LEFT JOIN {EVSES} v ON v.id = e.evse_id "
        f"LEFT JOIN {LOCATIONS} l ON l.id = v.location_id",
        [after, _db(horizon), limit],
    )
    ((count, last),) = _run(f"SELECT COUNT(*), MAX(id) FROM {BATCH}")
    if count:
        _fill_places(
            _run(
                f"SELECT b.tz, b.cc, MIN(COALESCE({d.epoch('c.settled_until')}, b.at_s)), "
                f"MAX(b.at_s) FROM {BATCH} b LEFT JOIN {CURSORS} c ON c.evse_id = b.evse_id "
                "WHERE b.simple = 1 GROUP BY b.tz, b.cc"
            )
        )
    return int(count), int(last or after)


def _max_of(d: Dialect, x: str, y: str) -> str:
    """The larger of two values where either may be NULL (then the other)."""
    return f"COALESCE({d.greatest(x, y)}, {x}, {y})"


def _spans_of_batch() -> None:
    """One span per event of a handled EVSE that closes time: the previous status (the one
    before it in the batch, or the cursor's) from the EVSE's settled point to the event."""
    d = dialect()
    settled = _max_of(d, "w.c_set", "w.p_max")
    reported = _max_of(d, "w.c_rep", "w.p_max")
    _run(
        f"INSERT INTO {SPAN} (evse_id, status, rep_s, set_s, until_s, off_s, fresh_s) "
        f"SELECT w.evse_id, COALESCE(w.lag_status, w.c_status), {reported}, {settled}, w.at_s, "
        "w.off_s, w.fresh_s FROM ("
        "SELECT b.evse_id, b.at_s, p.off_s, p.fresh_s, "
        "LAG(b.status) OVER (PARTITION BY b.evse_id ORDER BY b.id) AS lag_status, "
        "MAX(b.at_s) OVER (PARTITION BY b.evse_id ORDER BY b.id "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS p_max, "
        f"c.status AS c_status, {d.epoch('c.reported_at')} AS c_rep, "
        f"{d.epoch('c.settled_until')} AS c_set "
        f"FROM {BATCH} b JOIN {PLACE} p ON p.tz = b.tz AND p.cc = b.cc "
        f"LEFT JOIN {CURSORS} c ON c.evse_id = b.evse_id WHERE b.simple = 1) w "
        f"WHERE COALESCE(w.lag_status, w.c_status) IS NOT NULL AND w.at_s > {settled}"
    )


def _days_of_spans() -> None:
    """Cut each span into its fresh part (its status) and its stale part (NODATA), in local
    seconds, split at local midnights, summed per EVSE and day number into the day table."""
    d = dialect()
    # Where the status goes stale: PLANNED and REMOVED never do (not in service, no heartbeat).
    stale = f"CASE WHEN status IN {NOT_IN_SERVICE!r} THEN until_s ELSE rep_s + fresh_s END"
    pieces = (
        f"SELECT evse_id, status, set_s + off_s AS la, "
        f"{d.least('until_s', stale)} + off_s AS lb FROM {SPAN} "
        f"UNION ALL SELECT evse_id, 'NODATA', {d.greatest('set_s', stale)} + off_s, "
        f"until_s + off_s FROM {SPAN}"
    )
    if d.pg:
        series = (
            f"FROM ({pieces}) q CROSS JOIN LATERAL "
            f"generate_series(q.la / {DAY_S}, (q.lb - 1) / {DAY_S}) AS g(d) WHERE q.lb > q.la"
        )
    else:
        series = (
            f"FROM ({pieces}) q JOIN n ON n.k <= (q.lb - 1) / {DAY_S} - q.la / {DAY_S} "
            "WHERE q.lb > q.la"
        )
    day_no = "g.d" if d.pg else f"(q.la / {DAY_S} + n.k)"
    day_end = d.least("q.lb", f"({day_no} + 1) * {DAY_S}")
    seconds = f"{day_end} - {d.greatest('q.la', f'{day_no} * {DAY_S}')}"
    sums = ", ".join(
        f"SUM(CASE WHEN q.status = '{c[:-2].upper()}' THEN {seconds} ELSE 0 END)"
        for c in ROLLUP_COLUMNS
    )
    numbers = ""
    if not d.pg:
        longest = (
            f"SELECT COALESCE(MAX((lb - 1) / {DAY_S} - la / {DAY_S}), 0) FROM ({pieces}) "
            "WHERE lb > la"
        )
        numbers = (
            f"WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n "
            f"WHERE k < ({longest})) "
        )
    _run(
        f"INSERT INTO {DAYS} (evse_id, d, {', '.join(ROLLUP_COLUMNS)}) "
        f"{numbers}SELECT q.evse_id, {day_no}, {sums} {series} GROUP BY q.evse_id, {day_no}"
    )


def _upsert_days_and_months() -> None:
    """Add the day table to the day and month rollups (additive on conflict)."""
    d = dialect()
    columns = ", ".join(ROLLUP_COLUMNS)
    for table, key, expr, group in (
        (EVSEStatusDay._meta.db_table, "day", d.day("d"), False),
        (EVSEStatusMonth._meta.db_table, "month", d.month("d"), True),
    ):
        values = ", ".join(f"SUM({c})" if group else c for c in ROLLUP_COLUMNS)
        increments = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in ROLLUP_COLUMNS)
        grouping = f" GROUP BY evse_id, {expr}" if group else ""
        _run(
            f"INSERT INTO {table} (evse_id, {key}, {columns}) "
            f"SELECT evse_id, {expr}, {values} FROM {DAYS} WHERE 1 = 1{grouping} "
            f"ON CONFLICT (evse_id, {key}) DO UPDATE SET {increments}"
        )


def _advance_cursors_of_batch() -> None:
    """Each handled EVSE's cursor: its last event's status; reported and settled at least to
    its newest report (both only ever move forward, as in the rule)."""
    later = "CASE WHEN c.{0} IS NULL OR l.mx > c.{0} THEN l.mx ELSE c.{0} END"
    _run(
        f"INSERT INTO {CURSORS} (evse_id, status, reported_at, settled_until) "
        f"SELECT l.evse_id, l.status, {later.format('reported_at')}, "
        f"{later.format('settled_until')} FROM ("
        "SELECT b.evse_id, b.status, MAX(b.at) OVER (PARTITION BY b.evse_id) AS mx, "
        "ROW_NUMBER() OVER (PARTITION BY b.evse_id ORDER BY b.id DESC) AS rn "
        f"FROM {BATCH} b JOIN {PLACE} p ON p.tz = b.tz AND p.cc = b.cc WHERE b.simple = 1) l "
        f"LEFT JOIN {CURSORS} c ON c.evse_id = l.evse_id WHERE l.rn = 1 "
        "ON CONFLICT (evse_id) DO UPDATE SET status = excluded.status, "
        "reported_at = excluded.reported_at, settled_until = excluded.settled_until"
    )


def fold_batch() -> list[int]:
    """Fold the loaded batch for the EVSEs the SQL handles; returns the other EVSEs of the
    batch (not always open, a moving zone, or gone), for the Python rule."""
    _spans_of_batch()
    _days_of_spans()
    _upsert_days_and_months()
    _advance_cursors_of_batch()
    rows = _run(
        f"SELECT DISTINCT b.evse_id FROM {BATCH} b LEFT JOIN {PLACE} p "
        "ON p.tz = b.tz AND p.cc = b.cc WHERE b.simple = 0 OR p.tz IS NULL ORDER BY b.evse_id"
    )
    return [int(r[0]) for r in rows]


def settle(*, until: datetime) -> int:
    """Count the tail of every cursor the SQL handles up to `until` (its status while fresh,
    NODATA after) and move its settled point there. Returns the cursors advanced; the rest
    (settled before `until` still) are for the Python rule."""
    d = dialect()
    _run(
        f"INSERT INTO {BATCH} (id, evse_id, status, at, at_s, tz, cc, simple) "
        f"SELECT 0, c.evse_id, c.status, c.settled_until, {d.epoch('c.settled_until')}, "
        "COALESCE(l.time_zone, ''), COALESCE(l.country_code, ''), 1 "
        f"FROM {CURSORS} c JOIN {EVSES} v ON v.id = c.evse_id "
        f"JOIN {LOCATIONS} l ON l.id = v.location_id "
        f"WHERE c.settled_until < %s AND {d.always_open('l.opening_times')}",
        [_db(until)],
    )
    until_s = int(until.timestamp())
    _fill_places(_run(f"SELECT tz, cc, MIN(at_s), %s FROM {BATCH} GROUP BY tz, cc", [until_s]))
    _run(
        f"INSERT INTO {SPAN} (evse_id, status, rep_s, set_s, until_s, off_s, fresh_s) "
        f"SELECT c.evse_id, c.status, {d.epoch('c.reported_at')}, "
        f"{d.epoch('c.settled_until')}, %s, p.off_s, p.fresh_s "
        f"FROM {BATCH} b JOIN {PLACE} p ON p.tz = b.tz AND p.cc = b.cc "
        f"JOIN {CURSORS} c ON c.evse_id = b.evse_id",
        [until_s],
    )
    _days_of_spans()
    _upsert_days_and_months()
    return int(
        _run(
            f"UPDATE {CURSORS} SET settled_until = %s WHERE settled_until < %s AND evse_id IN "
            f"(SELECT evse_id FROM {SPAN})",
            [_db(until), _db(until)],
        )
    )
