"""Set-based INSERT of many rows, and primary keys allocated up front so nobody reads them back.

`QuerySet.bulk_create` builds a model instance per row, compiles every value through the SQL
compiler and, to learn the new keys, asks for them back (RETURNING): for the bulk loader that
was most of its time (a profile of 100,000 EVSEs spent 45 % of it in bulk_create and a further
30 % in `get_db_prep_save` called once per value). Here:

- `allocate_ids` takes N keys from the table's own counter in one query (PostgreSQL: its
  sequence; SQLite: past the AUTOINCREMENT counter, under the write lock the transaction
  holds), so parent and child rows are written with their keys known, without RETURNING;
- `insert_rows` converts each column with its field's own `get_db_prep_save` (the conversion
  Django itself applies), skipped for a value already of the type the column stores (a str for
  a CharField, an int for an integer or a key, a float, a bool, None for a nullable column):
  for those the conversion is the identity (a timestamp's conversion is remembered within the
  call, see `_memoised`). The rows go to the driver in one `executemany`
  (sqlite3's C loop), or on PostgreSQL one COPY, which the server ingests without parsing and
  planning an INSERT per row.

Model defaults and `auto_now` are not applied: callers name every column they write.
`stage_rows` fills a temporary staging table the same two ways, values as they are (the bulk
loader's, registry.bulk_sql).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction

# From this many rows COPY is cheaper than one INSERT per row (a COPY costs an extra exchange
# with the server: a handful of rows, as a declaration's vehicles, go as an executemany).
COPY_FROM = 20

# The types a column of this field class stores as they are (get_db_prep_save is the identity
# for them). Subclasses (URLField, PositiveIntegerField, ...) inherit their class's entry;
# a field class not listed always converts.
_STORED_AS_IS: list[tuple[type[models.Field[Any, Any]], tuple[type, ...]]] = [
    (models.CharField, (str,)),
    (models.TextField, (str,)),
    (models.BooleanField, (bool,)),
    (models.IntegerField, (int,)),
    (models.AutoField, (int,)),
    (models.BigAutoField, (int,)),
    (models.FloatField, (float,)),
]


def _as_is(field: models.Field[Any, Any]) -> tuple[type, ...]:
    if isinstance(field, models.ForeignKey):
        return _as_is(field.target_field)
    if isinstance(field, models.DateTimeField) and connection.vendor == "postgresql":
        return (datetime,)  # psycopg sends an aware datetime itself; SQLite needs its text
    for cls, types in _STORED_AS_IS:
        if isinstance(field, cls):
            return types
    return ()


def _memoised(field: models.Field[Any, Any]) -> bool:
    """Whether a column's conversions are remembered within one call: timestamps, whose values
    repeat (a batch's rows share a few: the file's, the load's) and whose conversion to SQLite's
    text is the costly one (a third of a 100,000-EVSE load before it was remembered)."""
    return isinstance(field, models.DateTimeField)


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
    conn = connections[DEFAULT_DB_ALIAS]
    converters: list[tuple[int, tuple[type, ...], Callable[..., Any], dict[Any, Any] | None]] = [
        (i, _as_is(f), f.get_db_prep_save, {} if _memoised(f) else None)
        for i, f in enumerate(concrete)
    ]
    params = []
    for row in rows:
        values = list(row)
        for i, as_is, prep, memo in converters:
            value = values[i]
            if value is None or value.__class__ in as_is:
                continue
            if memo is None:
                values[i] = prep(value, conn)
            elif value in memo:
                values[i] = memo[value]
            else:
                values[i] = memo[value] = prep(value, conn)
        params.append(values)
    if not params:
        return 0
    quote = conn.ops.quote_name
    if conn.vendor == "postgresql" and len(params) >= COPY_FROM:
        copy_sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(name) for name in names)
        )
        with conn.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for values in params:
                copy.write_row(values)
        return len(params)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(name) for name in names),
        ", ".join(["%s"] * len(concrete)),
    )
    with conn.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of `model`'s table, never handed out before, in one query.

    PostgreSQL: `nextval` of the key's sequence, once per key in one statement (concurrent
    writers interleave safely; the keys need not be contiguous). SQLite: the keys after both
    the AUTOINCREMENT counter and the largest key; safe because Kubat's SQLite transactions
    begin IMMEDIATE (settings), so the caller's transaction holds the write lock, and the
    insert of those keys moves the counter past them: keys not inserted are handed out again
    (the caller inserts what it allocates before allocating more). Must run in a transaction.
    """
    if count <= 0:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("allocate_ids needs the caller's transaction (the keys' lock)")
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    assert pk.column is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"
            f" coalesce((SELECT max({quote(pk.column)}) FROM {quote(table)}), 0))",
            [table],
        )
        (last,) = cursor.fetchone()
    return list(range(last + 1, last + 1 + count))


def add_counts(
    model: type[models.Model],
    *,
    keys: Sequence[str],
    value: str,
    rows: Iterable[Sequence[Any]],
) -> int:
    """Add each row's last value to the `value` column of the row of `model` with the same
    `keys` (its unique constraint), creating the rows that are missing; returns rows given.

    One statement for any number of rows: on PostgreSQL the rows are COPYed into a temporary
    staging table and added with one INSERT ... SELECT ... ON CONFLICT DO UPDATE (an executemany
    of the upsert is a round of the protocol per row: 18 s of a 100,000-EVSE load's grid cells);
    on SQLite one executemany of the upsert, sqlite3's C loop. Rows are applied in key order, so
    concurrent writers lock the rows they share in the same order. Runs in the caller's
    transaction. Column names are the model's fields (plain columns, no foreign keys).
    """
    ordered = sorted((tuple(row) for row in rows), key=lambda row: row[:-1])
    if not ordered:
        return 0
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [*keys, value]
    names = ", ".join(quote(c) for c in columns)
    update = f"{quote(value)} = {table}.{quote(value)} + excluded.{quote(value)}"
    conflict = ", ".join(quote(k) for k in keys)
    if connection.vendor != "postgresql" or len(ordered) < COPY_FROM:
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})"
                f" ON CONFLICT ({conflict}) DO UPDATE SET {update}",
                ordered,
            )
        return len(ordered)
    staging = quote(f"staging_{model._meta.db_table}")
    with transaction.atomic(), connection.cursor() as cursor:
        # Created on first use in the transaction, dropped at its end (its own savepoint
        # keeps a failure here from touching the caller's work twice).
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS"
            f" SELECT {names} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
            for row in ordered:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging}"
            f" ORDER BY {conflict} ON CONFLICT ({conflict}) DO UPDATE SET {update}"
        )
        cursor.execute(f"TRUNCATE {staging}")
    return len(ordered)


def stage_rows(table: str, *, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write `rows` into a staging table, values already as its columns store them (no
    conversion): PostgreSQL one COPY, SQLite one executemany. Returns the number of rows.
    Runs in the caller's transaction."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            count = 0
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        params = list(rows)
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", params)
        return len(params)
