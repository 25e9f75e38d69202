"""Bulk inserts for the quota rush: COPY on PostgreSQL, bulk INSERT elsewhere.

A declaration's vehicles and a settlement's certificates are inserted in bulk on the hot path
(the settlement holds the period's balance lock; receipts share a small connection pool).
Django's bulk INSERT has psycopg quote every parameter in Python (client-side binding), which
is the largest cost of a big batch; COPY streams the same rows through the same constraints and
indexes and fails the same way (a violation aborts the transaction). Ids are not read back: the
callers do not need them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

COPY_FROM = 20  # below this, one INSERT is as cheap


def insert(*, rows: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Insert unsaved `rows` of one model; `fields` are the concrete fields to write (the rest
    take their column default, which for these tables is NULL)."""
    if not rows:
        return
    model = type(rows[0])
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM:
        model._default_manager.bulk_create(rows, batch_size=1000)
        return
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    columns = [str(f.column) for f in concrete]  # type: ignore[union-attr]
    attnames = [str(f.attname) for f in concrete]  # type: ignore[union-attr]
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            values: list[Any] = [getattr(row, a) for a in attnames]
            copy.write_row(values)
