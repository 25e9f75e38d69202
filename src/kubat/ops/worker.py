"""The periodic-job worker: take a due job's lease, run it, record the run, give the lease back.

Scheduling is by slot: a job with interval `every` has slots [k·every, (k+1)·every) counted
from the Unix epoch, and a run that starts in slot k makes the job due again at the start of
slot k+1. So whatever the number of workers, a job completes at most once per slot; with at
least one worker alive it runs in every slot.

Mutual exclusion is a lease row (`JobState`) taken by a compare-and-set UPDATE, which both
SQLite and PostgreSQL evaluate atomically (PostgreSQL re-checks the WHERE clause on the row a
concurrent transaction just changed), so it holds across machines that share the database. A
thread renews the lease every third of its length while the job runs; a worker that is killed
stops renewing, its lease expires, and the next worker to find the job due marks the dead run
`abandoned` and runs the job again in the same slot. Advisory locks were the alternative: they
are PostgreSQL-only and vanish with the session, which makes the run history and "who holds
it" invisible; the row is the same on both engines and shows in the admin.
"""

from __future__ import annotations

import io
import logging
import math
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.db.models import Q
from django.utils import timezone

from kubat.ops.jobs import Job
from kubat.ops.models import JobRun, JobState, WorkerBeat

log = logging.getLogger("kubat.ops.worker")
OUTPUT_LIMIT = 4000
BEAT_SECONDS = 10.0


def worker_id() -> str:
    """host:pid:random, unique even when a pid is reused after a restart."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def next_slot(*, at: datetime, every: int) -> datetime:
    """The start of the slot after the one `at` falls in (slots count from the Unix epoch)."""
    slot = math.floor(at.timestamp() / every) + 1
    return datetime.fromtimestamp(slot * every, tz=UTC)


def ensure_states(*, jobs: list[Job], now: datetime) -> None:
    """A state row per job, due now when new (a fresh installation runs each job at start)."""
    JobState.objects.bulk_create(
        [JobState(name=job.name, next_due_at=now) for job in jobs], ignore_conflicts=True
    )


def try_acquire(*, job: Job, worker: str, lease: float, now: datetime) -> JobRun | None:
    """Take the job's lease if it is due and free (or its holder's lease expired).

    Returns the run started, or None when the job is not due or another worker holds it.
    A holder whose lease expired died or hung: its open run is marked abandoned.
    """
    state = JobState.objects.filter(name=job.name).first()
    if state is None or state.next_due_at > now:
        return None
    if state.holder and state.lease_expires_at and state.lease_expires_at >= now:
        return None
    # Compare-and-set: only one worker's UPDATE matches the row as it read it.
    taken = (
        JobState.objects.filter(name=job.name, holder=state.holder, next_due_at=state.next_due_at)
        .filter(Q(holder="") | Q(lease_expires_at__lt=now))
        .update(
            holder=worker,
            lease_expires_at=now + timedelta(seconds=lease),
            last_started_at=now,
        )
    )
    if taken != 1:
        return None
    if state.holder:
        JobRun.objects.filter(
            job=job.name, worker=state.holder, outcome=JobRun.Outcome.RUNNING
        ).update(
            outcome=JobRun.Outcome.ABANDONED,
            finished_at=state.lease_expires_at,
            error="the worker stopped before the job finished (its lease expired)",
        )
        log.warning("lease taken over", extra={"job": job.name, "previous_holder": state.holder})
    return JobRun.objects.create(job=job.name, worker=worker, started_at=now)


class _Renewer(threading.Thread):
    """Extends the lease every third of its length until stopped (own database connection)."""

    def __init__(self, *, job: str, worker: str, lease: float) -> None:
        super().__init__(name=f"lease-{job}", daemon=True)
        self.job, self.worker, self.lease = job, worker, lease
        self.stopped = threading.Event()
        self.lost = False

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.lease / 3):
                renewed = JobState.objects.filter(name=self.job, holder=self.worker).update(
                    lease_expires_at=timezone.now() + timedelta(seconds=self.lease)
                )
                if renewed != 1:
                    self.lost = True
                    log.error("lease lost while running", extra={"job": self.job})
                    return
        finally:
            connection.close()


def _refresh_connection() -> None:
    """Drop a broken or expired connection between jobs, as Django does between requests
    (never inside a transaction the caller holds, such as a test's)."""
    if not connection.in_atomic_block:
        close_old_connections()


def _execute(job: Job) -> str:
    out = io.StringIO()
    if job.command:
        call_command(*job.command, stdout=out, stderr=out)
    else:
        result = job.target()()
        if result is not None:
            out.write(str(result))
    return out.getvalue()


def run_job(*, job: Job, run: JobRun, lease: float) -> JobRun:
    """Run a job whose lease `run.worker` holds; record the outcome and free the lease."""
    renewer = _Renewer(job=job.name, worker=run.worker, lease=lease)
    renewer.start()
    started = time.monotonic()
    outcome, error, output = JobRun.Outcome.OK, "", ""
    try:
        output = _execute(job)
    except Exception as exc:  # a job's failure is recorded, never the worker's end
        outcome = JobRun.Outcome.FAILED
        error = "".join(traceback.format_exception_only(exc)).strip()
        log.error("job failed", extra={"job": job.name}, exc_info=True)
        _refresh_connection()
    finally:
        renewer.stopped.set()
        renewer.join()
    duration = time.monotonic() - started
    finished = timezone.now()
    if renewer.lost:
        error = (error + "\n" if error else "") + "lease lost while running"
    run.finished_at, run.duration, run.outcome = finished, duration, outcome
    run.error, run.output = error, output[-OUTPUT_LIMIT:]
    run.save(update_fields=["finished_at", "duration", "outcome", "error", "output"])
    JobState.objects.filter(name=job.name, holder=run.worker).update(
        holder="",
        lease_expires_at=None,
        next_due_at=next_slot(at=run.started_at, every=job.every),
        last_finished_at=finished,
        last_outcome=outcome,
        last_duration=duration,
    )
    return run


@dataclass
class Worker:
    """The loop of `kubat worker`: every poll, run each due job whose lease it can take."""

    jobs: list[Job]
    lease: float
    poll: float
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or worker_id()
        self.stopping = threading.Event()
        self._beat_at = 0.0
        self.started_at = timezone.now()

    def beat(self) -> None:
        """Record that this worker is alive, at most every BEAT_SECONDS."""
        if time.monotonic() - self._beat_at < BEAT_SECONDS:
            return
        now = timezone.now()
        WorkerBeat.objects.update_or_create(
            worker=self.name,
            defaults={
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "started_at": self.started_at,
                "seen_at": now,
            },
        )
        WorkerBeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
        self._beat_at = time.monotonic()

    def run_due(self, *, on_run: Callable[[JobRun], None] | None = None) -> int:
        """One pass: run every job that is due and free now. Returns how many ran."""
        ran = 0
        for job in self.jobs:
            if self.stopping.is_set():
                break
            run = try_acquire(job=job, worker=self.name, lease=self.lease, now=timezone.now())
            if run is None:
                continue
            run = run_job(job=job, run=run, lease=self.lease)
            ran += 1
            if on_run is not None:
                on_run(run)
            self.beat()
        return ran

    def serve(self, *, once: bool = False, on_run: Callable[[JobRun], None] | None = None) -> None:
        """Loop until stopped (SIGTERM/SIGINT set `stopping`; a running job is finished first)."""
        ensure_states(jobs=self.jobs, now=timezone.now())
        while not self.stopping.is_set():
            _refresh_connection()
            self.beat()
            self.run_due(on_run=on_run)
            if once:
                break
            self.stopping.wait(self.poll)
        # The beat stays: a restart during a deployment should not make /readyz fail at once.


def worker_settings() -> tuple[float, float]:
    """(lease seconds, poll seconds) from the settings."""
    return float(settings.KUBAT_WORKER_LEASE_SECONDS), float(settings.KUBAT_WORKER_POLL_SECONDS)
