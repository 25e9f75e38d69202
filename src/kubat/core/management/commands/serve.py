"""`kubat serve`: the production server (gunicorn) on the given address.

Static files (Leaflet, CSS) are served by WhiteNoise from the installed package, so no web
server in front is needed for a single machine.
"""

from __future__ import annotations

import os
import shutil
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext


class Command(BaseCommand):
    help = "Serve Kubat with gunicorn."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=2, help="Worker processes; about one per core."
        )
        parser.add_argument("--threads", type=int, default=1, help="Threads per worker.")
        parser.add_argument(
            "--access-log",
            action="store_true",
            help="Also gunicorn's plain-text access log (Kubat logs each request as JSON).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise CommandError(gettext("port: must be between 1 and 65535"), returncode=2)
        if options["workers"] < 1:
            raise CommandError(gettext("workers: must be at least 1"), returncode=2)
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "kubat.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
        ]
        if options["access_log"]:
            argv += ["--access-logfile", "-"]
        # Metrics of all worker processes are summed at scrape time from files in this
        # directory (prometheus-client multiprocess mode); a new server starts from zero.
        metrics_dir = os.environ.setdefault(
            "PROMETHEUS_MULTIPROC_DIR", str(settings.VAR_DIR / "metrics")
        )
        shutil.rmtree(metrics_dir, ignore_errors=True)
        os.makedirs(metrics_dir, exist_ok=True)
        self.stdout.write(f"Kubat at http://{options['host']}:{options['port']}/")
        self.stdout.flush()
        os.execv(sys.executable, argv)
