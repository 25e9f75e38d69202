"""The worker's rules, in one process on the test database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from kubat.ops import worker
from kubat.ops.jobs import Job, configured_jobs
from kubat.ops.models import JobRun, JobState, WorkerBeat

pytestmark = pytest.mark.django_db(transaction=True)
SETTLE = Job("quotas-settle", 60, ("quotas", "settle"))
NOW = datetime(2026, 12, 1, 9, 0, 30, tzinfo=UTC)


def test_a_due_job_lease_goes_to_one_worker_only() -> None:
    worker.ensure_states(jobs=[SETTLE], now=NOW)
    first = worker.try_acquire(job=SETTLE, worker="a", lease=60, now=NOW)
    second = worker.try_acquire(job=SETTLE, worker="b", lease=60, now=NOW + timedelta(seconds=1))
    assert first is not None
    assert second is None
    assert JobState.objects.get(name=SETTLE.name).holder == "a"


def test_an_expired_lease_is_taken_over_and_the_dead_run_marked_abandoned() -> None:
    worker.ensure_states(jobs=[SETTLE], now=NOW)
    dead = worker.try_acquire(job=SETTLE, worker="dead", lease=10, now=NOW)
    assert dead is not None
    live = worker.try_acquire(job=SETTLE, worker="b", lease=10, now=NOW + timedelta(seconds=9))
    assert live is None
    run = worker.try_acquire(job=SETTLE, worker="b", lease=10, now=NOW + timedelta(seconds=11))
    assert run is not None
    dead.refresh_from_db()
    assert dead.outcome == JobRun.Outcome.ABANDONED
    assert "lease expired" in dead.error


def test_a_finished_job_is_due_again_at_the_start_of_the_next_interval() -> None:
    worker.ensure_states(jobs=[SETTLE], now=NOW)
    run = worker.try_acquire(job=SETTLE, worker="a", lease=60, now=NOW)
    assert run is not None
    done = worker.run_job(job=SETTLE, run=run, lease=60)
    assert done.outcome == JobRun.Outcome.OK
    assert json.loads(done.output) == {"decided": 0}
    state = JobState.objects.get(name=SETTLE.name)
    assert state.next_due_at == datetime(2026, 12, 1, 9, 1, tzinfo=UTC)
    assert state.holder == ""
    assert state.last_outcome == "ok"
    early = worker.try_acquire(job=SETTLE, worker="b", lease=60, now=NOW + timedelta(seconds=20))
    assert early is None
    assert worker.try_acquire(job=SETTLE, worker="b", lease=60, now=NOW + timedelta(seconds=31))


def test_a_failing_job_is_recorded_with_its_error_and_the_worker_goes_on() -> None:
    failing = Job("broken", 60, call="tests.ops.jobs_for_tests:fail")
    loop = worker.Worker(jobs=[failing, SETTLE], lease=60, poll=0.1)
    loop.serve(once=True)
    runs = {r.job: r for r in JobRun.objects.all()}
    assert runs["broken"].outcome == JobRun.Outcome.FAILED
    assert "the test job failed on purpose" in runs["broken"].error
    assert runs["quotas-settle"].outcome == JobRun.Outcome.OK
    assert WorkerBeat.objects.filter(worker=loop.name).exists()


def test_every_periodic_command_runs_under_the_worker() -> None:
    call_command("worker", "--once")
    outcomes = dict(JobRun.objects.values_list("job", "outcome"))
    assert outcomes == {
        "quotas-settle": "ok",
        "permits-tick": "ok",
        "ocpi-pull": "ok",
        "quotas-lapse": "ok",
        "ocpi-maintain": "ok",
        "strategy-overdue": "ok",
        "open-data-snapshot": "ok",
        "status-rollup": "ok",
        "ocpi-renew": "ok",
    }


@override_settings(KUBAT_WORKER_EVERY="quotas-settle=30,ocpi-maintain=0")
def test_intervals_come_from_the_settings_and_zero_turns_a_job_off() -> None:
    jobs = {job.name: job.every for job in configured_jobs()}
    assert jobs["quotas-settle"] == 30
    assert "ocpi-maintain" not in jobs
    assert jobs["permits-tick"] == 3600


@pytest.mark.parametrize(
    ("setting", "value", "field"),
    [
        ("KUBAT_WORKER_EVERY", "quotas-settle=soon", "KUBAT_WORKER_EVERY"),
        ("KUBAT_WORKER_EVERY", "nosuchjob=5", "KUBAT_WORKER_EVERY"),
        ("KUBAT_WORKER_EXTRA_JOBS", '{"x": {"every": 5}}', "KUBAT_WORKER_EXTRA_JOBS.x"),
        ("KUBAT_WORKER_EXTRA_JOBS", "[1]", "KUBAT_WORKER_EXTRA_JOBS"),
    ],
)
def test_a_bad_worker_setting_exits_2_naming_it(setting: str, value: str, field: str) -> None:
    with override_settings(**{setting: value}), pytest.raises(CommandError) as raised:
        call_command("worker", "--once")
    assert raised.value.returncode == 2
    assert str(raised.value).startswith(f"{field}:")


def test_an_unknown_job_on_the_command_line_exits_2() -> None:
    with pytest.raises(CommandError) as raised:
        call_command("worker", "--once", "--job", "nope")
    assert raised.value.returncode == 2
    assert "job: unknown nope" in str(raised.value)


def test_the_admin_shows_jobs_and_their_runs(admin_client: object) -> None:
    call_command("worker", "--once", "--job", "quotas-settle")
    for url in ("/admin/ops/jobstate/", "/admin/ops/jobrun/", "/admin/ops/workerbeat/"):
        response = admin_client.get(url, HTTP_HOST="127.0.0.1")  # type: ignore[attr-defined]
        assert response.status_code == 200, url
        assert b"quotas-settle" in response.content or url.endswith("workerbeat/")
