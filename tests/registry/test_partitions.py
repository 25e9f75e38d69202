"""Monthly partitions of the status history on PostgreSQL: created ahead, idempotent, routed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from kubat.registry.models import EVSEStatusEvent
from kubat.registry.partitions import TABLE, ensure_event_partitions


def _partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_months_are_created_ahead_and_rows_land_in_their_month() -> None:
    now = datetime.now(UTC)
    assert f"{TABLE}_{now.year:04d}_{now.month:02d}" in _partitions()
    assert ensure_event_partitions(connection=connection, months_ahead=12) == 0
    assert ensure_event_partitions(connection=connection, months_ahead=30) > 0
    assert ensure_event_partitions(connection=connection, months_ahead=30) == 0
    at = datetime(2024, 5, 17, 12, tzinfo=UTC)
    EVSEStatusEvent.objects.create(
        evse_id=1, status="AVAILABLE", reported_at=at, received_at=at, source="ocpi"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}_2024_05")
        assert cursor.fetchone()[0] == 1


def test_other_engines_have_no_partitions() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL partitions are tested above")
    assert ensure_event_partitions(connection=connection) == 0
