"""Public reads on a read replica (KUBAT_DATABASE_REPLICA_URL), everything else on the primary.

A "public read" is a request by nobody in particular: GET or HEAD, no session cookie, no
Authorization header, outside /admin/. The request middleware marks such a request in a context
variable and this router sends its reads to the `replica` alias; writes, transactions and every
other request (a logged-in user must read what it just wrote; a token's revocation must be
seen at once) stay on `default`, and so does the database cache whatever the request (it
counts the anonymous rate limit, which a replica's lag would break). A replica lags its
primary by a little: a public page may be a second old, which the national figures and the
map tolerate.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest

REPLICA = "replica"
# Django's database cache (KUBAT_CACHE=database) holds the anonymous rate-limit counts, read
# and written on exactly the public reads: on a lagging (read-only) replica each process
# would read a stale count and the limit would not hold. Its model's app label:
PRIMARY_ONLY_APPS = frozenset({"django_cache"})
public_read: ContextVar[bool] = ContextVar("kubat_public_read", default=False)


def is_public_read(request: HttpRequest) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "Authorization" not in request.headers
        and not request.path.startswith("/admin/")
    )


def mark_request(request: HttpRequest) -> None:
    """Called by the request middleware at the start of every request."""
    public_read.set(REPLICA in settings.DATABASES and is_public_read(request))


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if public_read.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica is a copy of the same database

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == DEFAULT_DB_ALIAS  # the replica gets its schema from the primary
