"""Hot-path statements planned once per connection.

Django's cursor binds parameters on the client, so PostgreSQL parses and plans every hot
statement anew on every request; a psycopg server-side prepared statement is planned once per
connection. The OCPI request path (the caller's token, the lean status report) and the
registry's spatial search run a few fixed statements thousands of times a second: they go
through here. Elsewhere the ORM stays.

The statement bypasses Django's cursor wrapper, so it is not in Django's query log or
`execute_wrapper`s; driver errors are still raised as django.db errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections


def fetch(
    sql: str, params: Sequence[Any] | Mapping[str, Any], *, using: str = DEFAULT_DB_ALIAS
) -> list[tuple[Any, ...]]:
    """The rows of `sql` (%s or %(name)s parameters): prepared on PostgreSQL, plain on SQLite.

    Runs on connection `using` (a read the router sends to the replica names it), in the
    caller's transaction, if any.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return list(cursor.fetchall()) if cursor.description else []
