"""Real Kubat processes on a database of their own, for the tests that need more than one.

On SQLite the database is a file in the test's tmp_path; on PostgreSQL a database named after
the suite's own (`<name>_ops_<purpose>_<pid>`), created here and dropped afterwards, so the
processes share it as two machines would share the production server.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def on_postgres() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg_admin() -> Any:
    import psycopg

    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def pg_url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgresql://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


@contextmanager
def database(tmp_path: Path, purpose: str, *, template: str = "") -> Iterator[str]:
    """A fresh database URL for processes to share, removed afterwards: empty, or a copy of
    `template` (a migrated database, so each test need not run every migration again)."""
    if not on_postgres():
        path = tmp_path / f"{purpose}.sqlite3"
        if template:
            shutil.copyfile(template.removeprefix("sqlite:///"), path)
        yield f"sqlite:///{path}"
        return
    base = str(settings.DATABASES["default"]["NAME"]).removeprefix("test_")
    name = f"{base}_ops_{purpose}_{os.getpid()}"
    copy = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield pg_url(name)
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Site:
    """Environment and commands of one Kubat installation (a database and a var/ directory)."""

    def __init__(self, root: Path, url: str, **env: str) -> None:
        root.mkdir(parents=True, exist_ok=True)
        (root / "static").mkdir(exist_ok=True)
        self.root = root
        self.url = url
        self.env = {
            **os.environ,
            "KUBAT_DATABASE_URL": url,
            "KUBAT_VAR_DIR": str(root),
            "KUBAT_SECRET_KEY": "ops-tests-secret-key-not-for-production-0123456789",
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.procs: list[subprocess.Popen[str]] = []
        self.files: list[IO[str]] = []

    def _log(self, path: Path | None) -> IO[str] | int:
        if path is None:
            return subprocess.DEVNULL
        out = open(path, "a")  # noqa: SIM115 (closed by stop_all)
        self.files.append(out)
        return out

    def kubat(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "kubat.cli", *args],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert done.returncode == 0, f"kubat {' '.join(args)}: {done.stderr[-3000:]}"
        return done

    def python(self, code: str) -> Any:
        """Run code in `kubat shell` and return the JSON it prints on its last line."""
        out = self.kubat("shell", "-c", code).stdout.strip().splitlines()
        return json.loads(out[-1])

    def sql(self, statement: str, params: list[Any]) -> None:
        """Run one statement on the site's database at once (no Django start-up in between)."""
        if self.url.startswith("sqlite:///"):
            import sqlite3

            with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=20) as db:
                db.execute(statement.replace("%s", "?"), params)
            return
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(statement, params)

    def spawn(self, *args: str, log: Path | None = None, **env: str) -> subprocess.Popen[str]:
        out = self._log(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", "kubat.cli", *args],
            env={**self.env, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.procs.append(proc)
        return proc

    def gunicorn(self, port: int, log: Path, *extra: str) -> subprocess.Popen[str]:
        binary = Path(sys.executable).with_name("gunicorn")
        out = self._log(log)
        proc = subprocess.Popen(
            [str(binary), "kubat.wsgi:application", "-b", f"127.0.0.1:{port}", *extra],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.procs.append(proc)
        for _ in range(150):
            if proc.poll() is not None:
                raise AssertionError(
                    f"gunicorn exited {proc.returncode}: {log.read_text()[-2000:]}"
                )
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                return proc
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start")

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for out in self.files:
            out.close()
        self.files.clear()
