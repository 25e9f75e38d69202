"""/healthz and /readyz: JSON, no login, 503 naming the failing check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings

from kubat.ops.models import WorkerBeat

pytestmark = pytest.mark.django_db


def _beat(age: timedelta = timedelta(0)) -> None:
    at = datetime.now(UTC) - age
    WorkerBeat.objects.create(worker="w", host="h", pid=1, started_at=at, seen_at=at)


def test_healthz_answers_without_login_or_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ok_when_every_check_passes(client: Client) -> None:
    _beat()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "partitions", "worker"}


def test_a_late_worker_is_reported_without_taking_the_web_out_of_service(
    client: Client,
) -> None:
    """Web readiness is the database and the migrations: the worker's heartbeat is reported
    beside them (a warning), not a reason to stop sending this process traffic."""
    _beat(age=timedelta(minutes=10))
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["required"] == ["database", "migrations"]
    assert body["warnings"] == ["worker"]
    assert body["checks"]["worker"]["ok"] is False
    assert "no worker seen" in body["checks"]["worker"]["detail"]


@override_settings(KUBAT_READY_REQUIRE_WORKER=True)
def test_readyz_fails_naming_the_worker_when_it_is_required_and_late(client: Client) -> None:
    _beat(age=timedelta(minutes=10))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]


def test_a_check_that_raises_tells_the_anonymous_caller_nothing_of_the_error(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from kubat.ops import health

    def broken() -> str | None:
        raise RuntimeError("password=hunter2 host=10.0.0.7")

    monkeypatch.setitem(health.CHECKS, "migrations", broken)
    with caplog.at_level("ERROR", logger="kubat.ops.health"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]
    assert "hunter2" not in response.content.decode()
    assert "10.0.0.7" not in response.content.decode()
    assert response.json()["checks"]["migrations"]["detail"] == "error (see the log)"
    assert any("hunter2" in (r.exc_text or "") or r.exc_info for r in caplog.records)


@override_settings(KUBAT_READY_WORKER_SECONDS=0)
def test_readyz_can_be_told_not_to_wait_for_a_worker(client: Client) -> None:
    assert client.get("/readyz").status_code == 200


def test_readyz_fails_naming_migrations_when_one_is_not_applied(client: Client) -> None:
    _beat()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'ops'")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]
    assert "ops.0001_initial" in response.json()["checks"]["migrations"]["detail"]


@pytest.mark.postgres_only
def test_readyz_warns_naming_partitions_when_next_month_is_missing(client: Client) -> None:
    """A missing partition is the worker's maintenance to do: reported, not web readiness."""
    _beat()
    now = datetime.now(UTC)
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    name = f"registry_evsestatusevent_{year:04d}_{month:02d}"
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE registry_evsestatusevent DETACH PARTITION {name}")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["warnings"] == ["partitions"]
    assert name in response.json()["checks"]["partitions"]["detail"]
