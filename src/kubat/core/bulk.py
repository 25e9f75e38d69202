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

from django.db import DEFAULT_DB_ALIAS, connections, models

# From this many rows COPY is cheaper than one INSERT per row (a COPY costs an extra exchange
# with the server: a handful of rows, as a declaration's vehicles, go as an executemany).
COPY_FROM = 20


# Values Django's own preparation returns unchanged, by field class: text as text, integers (and
# keys of integer primary keys) as integers, and None for these fields. Only these exact classes
# (a subclass may prepare its values otherwise) and exact value types; everything else goes
# through the field's get_db_prep_save. A declaration's vehicles are mostly such values.
_TEXT = (models.CharField, models.TextField)
_INTEGER = (
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
    models.AutoField,
    models.BigAutoField,
)


def _unchanged_type(field: models.Field[Any, Any]) -> type | None:
    """The value type `field` would save unchanged (and None as None), or None if none is."""
    if isinstance(field, models.ForeignKey) and type(field) is models.ForeignKey:
        field = field.target_field
    if type(field) in _TEXT:
        return str
    if type(field) in _INTEGER:
        return int
    return None


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
    # The connection itself, not the `django.db.connection` proxy: every attribute read through
    # the proxy is a thread-local lookup, and get_db_prep_save reads it for every value (a
    # profile of the quota receipt spent a third of its CPU there, bench/quota_profile.py).
    connection = connections[DEFAULT_DB_ALIAS]
    plain = [_unchanged_type(f) for f in concrete]
    params: list[list[Any]] = [
        [
            value
            if (value is None and kind is not None) or type(value) is kind
            else f.get_db_prep_save(value, connection)
            for f, kind, value in zip(concrete, plain, row, strict=True)
        ]
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
