"""Set-based INSERT of rows whose primary keys nobody reads back (history, index, child rows).

`QuerySet.bulk_create` builds a model instance per row and compiles every value through the
SQL compiler: for the bulk loader that was most of its time (a profile of 20,000 EVSEs spent
three quarters of it there). Here each value passes only through its field's own
`get_db_prep_save`, the conversion Django itself applies, and the rows go to the driver in
one `executemany` (sqlite3's C loop), or on PostgreSQL one COPY, which the server ingests
without parsing and planning an INSERT per row. Model defaults and `auto_now` are
not applied: callers name every column they write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

# From this many rows COPY is cheaper than one INSERT per row (a COPY costs an extra exchange
# with the server: a handful of rows, as a declaration's vehicles, go as an executemany).
COPY_FROM = 20


def insert_rows(
    model: type[models.Model], *, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """INSERT `rows` (values in the order of `columns`, field names as in the model; a foreign
    key by its field name takes the related primary key) into the model's table; returns the
    number of rows. Runs in the caller's transaction."""
    fields = [model._meta.get_field(name) for name in columns]
    concrete = [f for f in fields if isinstance(f, models.Field)]
    names = [f.column for f in concrete if f.column is not None]
    if len(names) != len(fields):
        raise ValueError(f"{model.__name__}: every column must be a concrete field")
    params = [
        [f.get_db_prep_save(value, connection) for f, value in zip(concrete, row, strict=True)]
        for row in rows
    ]
    if not params:
        return 0
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql" and len(params) >= COPY_FROM:
        copy_sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(name) for name in names)
        )
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for row in params:
                copy.write_row(row)
        return len(params)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(name) for name in names),
        ", ".join(["%s"] * len(concrete)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)
