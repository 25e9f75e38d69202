"""Done-when: killing the worker while a job runs, with two other workers running, leaves each
job run once per interval. Real `kubat worker` processes on one shared database (a SQLite file
or a PostgreSQL database of its own), a SIGKILL in the middle of a job.

The two survivors are started before the kill, not after it: a new process's start-up (6 to
20 s on this shared two-core machine under load) would otherwise decide whether the takeover
lands in the killed slot, and the test would measure the machine, not the lease."""

from __future__ import annotations

import itertools
import json
import math
import signal
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.ops.procs import Site, database

# Workers poll every 0.1 s and a running job's lease lasts 1.5 s, so a killed run is taken over
# about 1.5 s after the kill: well inside the slow job's 10-second interval.
SLOW_EVERY = 10
SLOW_SECONDS = 2.0
EVERY = {
    "quotas-settle": 3,
    "permits-tick": 4,
    "ocpi-pull": 4,
    "quotas-lapse": 4,
    "ocpi-maintain": 4,
    "strategy-overdue": 4,
    "ocpi-renew": 4,
    "slow": SLOW_EVERY,
}
RUNS = """
import json
from kubat.ops.models import JobRun
print(json.dumps([
    [r.job, r.worker, r.started_at.timestamp(), r.finished_at and r.finished_at.timestamp(),
     r.outcome, r.error]
    for r in JobRun.objects.order_by("started_at")
]))
"""


def _db_time(site: Site, at: datetime) -> str:
    """A UTC time as Django stores it: naive text on SQLite, ISO with zone on PostgreSQL."""
    if site.url.startswith("sqlite:"):
        return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return at.isoformat()


def _wait_for(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def _executions(path: Path) -> list[tuple[int, float, float | None]]:
    """(pid, start, end or None) of every execution of the slow job, from its own log."""
    started: dict[int, float] = {}
    out: list[tuple[int, float, float | None]] = []
    for line in path.read_text().splitlines():
        what, pid, at = line.split()
        if what == "start":
            started[int(pid)] = float(at)
        else:
            out.append((int(pid), started.pop(int(pid)), float(at)))
    out.extend((pid, at, None) for pid, at in started.items())
    return sorted(out, key=lambda e: e[1])


def test_a_killed_workers_job_is_taken_over_and_every_job_runs_once_per_interval(
    tmp_path: Path, migrated: str
) -> None:
    job_log = tmp_path / "slow.log"
    job_log.touch()
    with database(tmp_path, "worker", template=migrated) as url:
        site = Site(
            tmp_path / "site",
            url,
            KUBAT_WORKER_EVERY=",".join(f"{k}={v}" for k, v in EVERY.items() if k != "slow"),
            KUBAT_WORKER_EXTRA_JOBS=json.dumps(
                {"slow": {"call": "tests.ops.jobs_for_tests:slow", "every": SLOW_EVERY}}
            ),
            KUBAT_WORKER_LEASE_SECONDS="1.5",
            KUBAT_WORKER_POLL_SECONDS="0.1",
            KUBAT_TEST_JOB_LOG=str(job_log),
            KUBAT_TEST_JOB_SECONDS=str(SLOW_SECONDS),
            KUBAT_LOG_LEVEL="WARNING",
        )
        try:
            # The slow job waits until all workers are up (their start-up takes seconds on a
            # loaded machine), then falls due at a slot's start.
            far = datetime(2100, 1, 1, tzinfo=UTC)
            site.sql(
                "INSERT INTO ops_jobstate (name, next_due_at, holder, last_outcome) "
                "VALUES (%s, %s, '', '')",
                ["slow", _db_time(site, far)],
            )
            workers = {n: site.spawn("worker", log=tmp_path / f"{n}.log") for n in "abc"}
            _wait_for(
                lambda: all("worker " in (tmp_path / f"{n}.log").read_text() for n in "abc"), 120
            )
            boundary = (math.floor(time.time() / SLOW_EVERY) + 1) * SLOW_EVERY
            site.sql(
                "UPDATE ops_jobstate SET next_due_at = %s WHERE name = 'slow'",
                [_db_time(site, datetime.fromtimestamp(boundary, tz=UTC))],
            )
            _wait_for(lambda: "start " in job_log.read_text(), SLOW_EVERY + 30)
            time.sleep(0.3)
            pid = int(job_log.read_text().split()[1])
            first = next(p for p in workers.values() if p.pid == pid)
            first.send_signal(signal.SIGKILL)  # mid-job: the slow job sleeps 2 s
            first.wait()
            killed_at = time.time()
            two = [p for p in workers.values() if p is not first]
            time.sleep(max(0.0, boundary + 2 * SLOW_EVERY + SLOW_SECONDS + 1 - time.time()))
            stopped_at = time.time()
            site.stop_all()
            assert all(p.returncode == 0 for p in two), [p.returncode for p in two]
            runs = site.python(RUNS)
        finally:
            site.stop_all()

    # The slow job, seen from its own log: never two at once, the killed one never finished.
    executions = _executions(job_log)
    killed = next(e for e in executions if e[2] is None)
    assert killed[0] == first.pid
    spans = [(s, e if e is not None else killed_at) for _, s, e in executions]
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, f"two executions overlapped: {spans}"
    finished = [e for e in executions if e[2] is not None]
    assert {pid for pid, start, _ in finished if start > killed[1]} <= {p.pid for p in two}
    per_slot = Counter(math.floor(s / SLOW_EVERY) for _, s, _ in finished)
    assert max(per_slot.values()) == 1, per_slot
    # The killed run's slot is finished by a new worker once the lease expired.
    assert math.floor(killed[1] / SLOW_EVERY) in per_slot, (killed, killed_at, executions)

    # The worker's own records say the same, for every job.
    by_job: dict[str, list[list[object]]] = {}
    for run in runs:
        by_job.setdefault(str(run[0]), []).append(run)
    abandoned = [r for r in runs if r[4] == "abandoned"]
    assert [r[0] for r in abandoned] == ["slow"]
    assert str(abandoned[0][1]).split(":")[1] == str(first.pid)
    assert len([r for r in by_job["slow"] if r[4] == "ok"]) == len(finished)
    for job, every in EVERY.items():
        ok = [r for r in by_job[job] if r[4] == "ok"]
        slots = Counter(math.floor(float(r[2]) / every) for r in ok)  # type: ignore[arg-type]
        assert max(slots.values()) == 1, (job, slots)
        # Every interval that lay wholly within the two workers' life has its run.
        first_full = math.ceil((killed_at + 2.5) / every)
        last_full = math.floor((stopped_at - SLOW_SECONDS - 0.5) / every) - 1
        missing = [k for k in range(first_full, last_full + 1) if k not in slots]
        assert not missing, (
            job,
            missing,
            killed_at,
            stopped_at,
            [(r[0], r[1][-6:], round(float(r[2]) % 1000, 2), r[4]) for r in runs],
        )
    assert not [r for r in runs if r[4] == "failed"], runs
    assert killed[1] - boundary < 1.0


@pytest.fixture(autouse=True)
def _no_django_db() -> None:
    """These tests use their own database through real processes, not the test database."""
