"""Inserts for the quota rush: COPY on PostgreSQL, bulk INSERT elsewhere, and single rows in
one round trip.

A declaration's vehicles and a settlement's certificates are inserted in bulk on the hot path
(the settlement holds the period's balance lock; receipts share a small connection pool).
Django's bulk INSERT has psycopg quote every parameter in Python (client-side binding), which
is the largest cost of a big batch; COPY streams the same rows through the same constraints and
indexes and fails the same way (a violation aborts the transaction). Ids are not read back: the
callers do not need them. A declaration's own row and its declarant's are written with
`INSERT ... ON CONFLICT DO NOTHING RETURNING` (PostgreSQL, and SQLite from 3.35), which answers
"was it taken?" or "is it new?" in the same round trip as the write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

COPY_FROM = 20  # below this, one INSERT is as cheap


def insert(objs: Sequence[models.Model]) -> None:
    """Insert unsaved model instances of one model (every field but the key): one plain INSERT
    for a single row, COPY on PostgreSQL from COPY_FROM rows (values prepared by each field, so
    JSON columns are encoded as Django encodes them), else Django's bulk INSERT."""
    if not objs:
        return
    if len(objs) == 1:
        table, columns, values = _row(objs[0])
        marks = ", ".join(["%s"] * len(values))
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)
        return
    model = type(objs[0])
    if connection.vendor != "postgresql" or len(objs) < COPY_FROM:
        model._default_manager.bulk_create(objs, batch_size=1000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def _row(obj: models.Model) -> tuple[str, list[str], list[Any]]:
    """The table, column names (quoted) and prepared values of `obj`'s fields but its key.

    Through the connection itself, not the thread-local `django.db.connection` proxy, which
    every field's preparation reads several times (as `kubat.core.bulk.insert_rows` does: the
    receipt's three single-row inserts showed the proxy's lookups under py-spy)."""
    conn = connections[DEFAULT_DB_ALIAS]
    meta = obj._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(obj, True), conn) for f in fields]
    columns = [conn.ops.quote_name(str(f.column)) for f in fields]
    return conn.ops.quote_name(meta.db_table), columns, values


def _saved(obj: models.Model, pk: Any) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias


def insert_unless_taken(obj: models.Model, *, conflict_target: str) -> bool:
    """INSERT `obj` and set its key, or insert nothing and return False when the row would break
    the unique index `conflict_target` names (`ON CONFLICT (columns) WHERE predicate DO NOTHING
    ... RETURNING`, PostgreSQL and SQLite 3.35+): a clash with any other constraint still
    raises. One round trip where a savepoint, the INSERT and the savepoint's release took
    three; a conflict leaves the transaction usable."""
    table, columns, values = _row(obj)
    pk = connection.ops.quote_name(str(obj._meta.pk.column))
    marks = ", ".join(["%s"] * len(values))
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
        f"ON CONFLICT {conflict_target} DO NOTHING RETURNING {pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    _saved(obj, row[0])
    return True


def insert_or_read(
    obj: models.Model, *, unique: Sequence[str], read: Sequence[str]
) -> tuple[Any, ...]:
    """INSERT `obj`, or find the row already holding its `unique` fields, and return that row's
    key and `read` fields. A new row costs one round trip (`ON CONFLICT (...) DO NOTHING
    RETURNING`); a row already there one more, a plain read, and it keeps its values.

    Not `DO UPDATE` with a no-op SET, which would return the existing row in the same round
    trip but lock it until the caller commits: two posts declaring the same company at once
    would then queue behind each other for the whole receipt."""
    meta = obj._meta
    ops = connection.ops
    table, columns, values = _row(obj)
    targets = [meta.get_field(n) for n in unique]
    conflict = ", ".join(ops.quote_name(str(f.column)) for f in targets)  # type: ignore[union-attr]
    returned = ", ".join(
        [ops.quote_name(str(meta.pk.column))]
        + [ops.quote_name(str(meta.get_field(n).column)) for n in read]  # type: ignore[union-attr]
    )
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
            f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {returned}",
            values,
        )
        row = cursor.fetchone()
        if row is None:  # already there (or inserted by a transaction that committed meanwhile)
            where = " AND ".join(f"{ops.quote_name(str(f.column))} = %s" for f in targets)  # type: ignore[union-attr]
            cursor.execute(
                f"SELECT {returned} FROM {table} WHERE {where}",
                [f.get_db_prep_value(getattr(obj, f.attname), connection) for f in targets],  # type: ignore[union-attr]
            )
            row = cursor.fetchone()
    assert row is not None  # the conflict was on this very row
    _saved(obj, row[0])
    return tuple(row)


def update_per_row(
    *,
    model: type[models.Model],
    field: str,
    values: dict[Any, Any],
    common: dict[str, Any],
) -> None:
    """Set `field` to a value of its own per row (`values`: key -> value) and the `common`
    fields to the same value on every one of those rows, in one statement.

    On PostgreSQL the rows come as two arrays (`unnest`), so the statement has the same few
    parameters whatever the number of rows; Django's bulk_update builds a CASE per field with a
    branch per row, whose construction and client-side quoting cost more than the UPDATE when a
    settlement decides hundreds of declarations under the balance lock."""
    if not values:
        return
    meta = model._meta
    if connection.vendor != "postgresql":
        objs = [model(pk=pk, **{field: value}, **common) for pk, value in values.items()]
        model._default_manager.bulk_update(objs, [field, *common], batch_size=500)
        return
    ops = connection.ops
    target = meta.get_field(field)
    pk = meta.pk
    assert pk is not None
    sets = [f"{ops.quote_name(str(target.column))} = v.value"]  # type: ignore[union-attr]
    params: list[Any] = []
    for name, value in common.items():
        column = meta.get_field(name)
        sets.append(f"{ops.quote_name(str(column.column))} = %s")  # type: ignore[union-attr]
        params.append(column.get_db_prep_save(value, connection))  # type: ignore[union-attr]
    sql = (
        f"UPDATE {ops.quote_name(meta.db_table)} AS t SET {', '.join(sets)} "
        f"FROM unnest(%s::{pk.db_type(connection)}[], %s::{target.db_type(connection)}[]) "
        f"AS v(pk, value) WHERE t.{ops.quote_name(str(pk.column))} = v.pk"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, list(values), list(values.values())])
