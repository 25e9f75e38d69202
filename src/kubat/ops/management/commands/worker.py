"""`kubat worker [--once] [--job NAME ...]`: run every periodic job at its interval.

Run one or more on any machines that share the database; a lease per job makes sure two
workers never run the same job at once (see kubat.ops.worker). SIGTERM or Ctrl-C stops it after
the job in progress. Intervals: kubat.ops.jobs and docs/operations.md.
"""

from __future__ import annotations

import json
import signal
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from kubat.core.errors import KubatError
from kubat.ops.jobs import configured_jobs
from kubat.ops.models import JobRun
from kubat.ops.worker import Worker, worker_settings


class Command(BaseCommand):
    help = "Run the periodic jobs (permits tick, quotas settle/lapse, OCPI pull/maintain)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="One pass over the due jobs, then exit."
        )
        parser.add_argument(
            "--job", action="append", default=[], help="Only this job (repeatable)."
        )
        parser.add_argument("--list", action="store_true", help="Print the jobs and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            jobs = configured_jobs()
        except KubatError as exc:
            raise CommandError(f"{exc.field}: {exc.message}", returncode=2) from None
        if options["job"]:
            names = {job.name for job in jobs}
            if unknown := sorted(set(options["job"]) - names):
                raise CommandError(
                    gettext("job: unknown %(unknown)s (jobs: %(known)s)")
                    % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(names))},
                    returncode=2,
                )
            jobs = [job for job in jobs if job.name in options["job"]]
        if options["list"]:
            for job in jobs:
                what = " ".join(job.command) or job.call
                self.stdout.write(f"{job.name}\tevery {job.every}s\t{what}")
            return
        lease, poll = worker_settings()
        worker = Worker(jobs=jobs, lease=lease, poll=poll)

        def stop(signum: int, frame: FrameType | None) -> None:
            worker.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stderr.write(f"worker {worker.name}: {', '.join(j.name for j in jobs)}")
        self.stderr.flush()

        def report(run: JobRun) -> None:
            line = {"job": run.job, "outcome": run.outcome, "duration": round(run.duration or 0, 3)}
            if run.error:
                line["error"] = run.error
            self.stdout.write(json.dumps(line))
            self.stdout.flush()

        worker.serve(once=options["once"], on_run=report)
