"""Test-wide setup: the database is whatever KUBAT_DATABASE_URL names (SQLite or PostgreSQL).

`make test` runs the suite twice, on SQLite and on PostgreSQL. When PostgreSQL is asked for
but not reachable, every test is skipped with a message saying how to enable it, instead of
failing on a machine that simply has no server.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

POSTGRES_HINT = (
    "PostgreSQL is not reachable at {url}: start it (Debian: "
    "pg_ctlcluster --skip-systemctl-redirect 15 main start) or point KUBAT_DATABASE_URL / "
    "make test PG_URL=postgresql://user@host:port/db at a server to run the PostgreSQL pass"
)


def _postgres_unreachable() -> str | None:
    url = os.environ.get("KUBAT_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError:
        return POSTGRES_HINT.format(url=url)
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _postgres_unreachable()
    if reason:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))
        return
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL: run `make test-postgres`")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_public_rate_limit(settings: pytest.FixtureRequest) -> None:
    """Test clients all come from 127.0.0.1: the anonymous API limit is off unless a test of
    the limit turns it on (tests/core/test_security.py)."""
    settings.KUBAT_PUBLIC_RATE_LIMIT = 0  # type: ignore[attr-defined]
    settings.KUBAT_REPORT_RATE_LIMIT = 0  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _snapshots_in_tmp(
    settings: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Open-data snapshots (registry.snapshots) go to a directory of the test's own, never var/."""
    settings.KUBAT_OPEN_DATA_SNAPSHOT_DIR = tmp_path_factory.mktemp("snapshots")  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Each test starts in English: a request served in Russian leaves Russian active in the
    thread (Django's LocaleMiddleware does not deactivate), and services translate their
    refusals in the active language."""
    from django.utils import translation

    translation.activate("en")


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues() -> None:
    """Compile locale/*.po when its .mo is missing or older, as `make messages` would.

    The .mo files are git-ignored build output; this keeps a bare `pytest` run after a pull
    from testing stale translations.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from django.conf import settings

    for po in Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        with mo.open("wb") as target:
            write_mo(target, catalog)
