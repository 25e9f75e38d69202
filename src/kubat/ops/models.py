"""Job leases, job runs and worker heartbeats: the worker's state lives in the database, the one
thing every worker on every machine shares."""

from __future__ import annotations

from django.db import models


class JobState(models.Model):
    """One row per periodic job: when it is next due and who holds its lease.

    A worker takes the lease with one conditional UPDATE (due, and free or expired), so the
    database decides between two workers; the holder renews `lease_expires_at` while the job
    runs, so a killed worker's lease runs out and another worker takes the job over.
    """

    name = models.CharField(max_length=60, primary_key=True)
    next_due_at = models.DateTimeField()
    holder = models.CharField(max_length=120, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=10, blank=True)
    last_duration = models.FloatField(null=True, blank=True, help_text="Seconds.")

    class Meta:
        verbose_name = "job"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """One run of a periodic job by one worker; `abandoned` when its worker died mid-run."""

    class Outcome(models.TextChoices):
        RUNNING = "running"
        OK = "ok"
        FAILED = "failed"
        ABANDONED = "abandoned"

    job = models.CharField(max_length=60)
    worker = models.CharField(max_length=120)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    error = models.TextField(blank=True)
    output = models.TextField(blank=True)

    class Meta:
        ordering = ("-started_at", "-id")
        indexes = [models.Index(fields=["job", "started_at"], name="ops_jobrun_job_started")]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M:%S} {self.outcome}"


class WorkerBeat(models.Model):
    """A worker process's last sign of life, read by /readyz and the metrics."""

    worker = models.CharField(max_length=120, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("-seen_at",)

    def __str__(self) -> str:
        return self.worker
