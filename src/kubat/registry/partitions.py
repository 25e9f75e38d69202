"""Monthly partitions of the EVSE status history on PostgreSQL (no-op on other engines).

Rows land in the partition of their `received_at` month; a DEFAULT partition catches anything
outside the created range so an insert never fails, but a month must be created before rows for
it arrive (PostgreSQL refuses to carve a month out of a DEFAULT partition that holds its rows).
Hence months are created well ahead: two years by the migration, and `kubat ocpi maintain`
(part of the scheduled `kubat ocpi pull --all`) keeps twelve months ahead.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

TABLE = "registry_evsestatusevent"


def _months(start: tuple[int, int], end: tuple[int, int]) -> list[tuple[int, int]]:
    year, month = start
    out = []
    while (year, month) <= end:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def ensure_event_partitions(
    *, connection: Any, since: tuple[int, int] | None = None, months_ahead: int = 12
) -> int:
    """Create the missing monthly partitions from `since` (default: this month) to months ahead.

    Returns how many were created. Idempotent; runs in the caller's transaction.
    """
    if connection.vendor != "postgresql":
        return 0
    now = datetime.now(UTC)
    first = since or (now.year, now.month)
    total = now.year * 12 + now.month - 1 + months_ahead
    created = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        existing = {row[0] for row in cursor.fetchall()}
        for year, month in _months(first, (total // 12, total % 12 + 1)):
            name = f"{TABLE}_{year:04d}_{month:02d}"
            if name in existing:
                continue
            ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
            cursor.execute(
                f"CREATE TABLE {name} PARTITION OF {TABLE} "
                f"FOR VALUES FROM ('{year:04d}-{month:02d}-01') TO ('{ny:04d}-{nm:02d}-01')"
            )
            created += 1
    return created
