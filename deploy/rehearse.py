"""`make rehearse`: the production configuration end to end on this machine, and what it checked.

PostgreSQL (a fresh database of the rehearsal's own), KUBAT_DEBUG=false with a generated secret
key, `check --deploy`, migrations, the demo data, the web server started exactly as
deploy/kubat-web.service starts it (gunicorn through `kubat serve`) and the worker as
deploy/kubat-worker.service does, /healthz, /readyz, pages and the API with their request ids
and JSON log lines, /metrics behind its token, every periodic job run by the worker, a backup
taken while the site runs and its restore into a second fresh database with the invariants
checked, and both services stopped cleanly. Prints one line per check and a JSON summary;
exit status 1 if any check fails. The databases are dropped afterwards (--keep keeps them).

    .venv/bin/python deploy/rehearse.py --database-url postgresql://postgres@127.0.0.1:5432/kubat_ops_rehearse
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
JOBS = ["quotas-settle", "permits-tick", "ocpi-pull", "quotas-lapse", "ocpi-maintain"]


class Rehearsal:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.results: list[dict[str, Any]] = []
        self.var = Path(tempfile.mkdtemp(prefix="kubat-rehearse-"))
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_urlsafe(24)
        self.url = args.database_url
        self.restore_url = f"{self.url}_restore"
        self.env = {
            **os.environ,
            "KUBAT_DATABASE_URL": self.url,
            "KUBAT_DEBUG": "false",
            "KUBAT_SECRET_KEY": secrets.token_urlsafe(50),
            "KUBAT_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "KUBAT_VAR_DIR": str(self.var),
            "KUBAT_BACKUP_DIR": str(self.var / "backups"),
            "KUBAT_METRICS_TOKEN": self.token,
            "KUBAT_LOG_FORMAT": "json",
            "KUBAT_MAP_TILE_URL": "",
        }
        for name in ("DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR"):
            self.env.pop(name, None)
        self.procs: dict[str, subprocess.Popen[str]] = {}

    # --- plumbing ---------------------------------------------------------------------------

    def check(self, name: str, step: Callable[[], str]) -> bool:
        started = time.monotonic()
        try:
            detail, ok = step(), True
        except Exception as exc:  # a failed check is reported, and the rehearsal goes on
            detail, ok = f"{type(exc).__name__}: {exc}", False
        seconds = round(time.monotonic() - started, 1)
        self.results.append({"check": name, "ok": ok, "detail": detail, "seconds": seconds})
        print(f"{'ok  ' if ok else 'FAIL'} {name} ({seconds} s): {detail}", flush=True)
        return ok

    def kubat(self, *args: str, url: str | None = None, timeout: float = 600) -> str:
        env = {**self.env, "KUBAT_DATABASE_URL": url or self.url}
        done = subprocess.run(
            [str(ROOT / ".venv/bin/kubat"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"kubat {' '.join(args)} exited {done.returncode}: {done.stderr[-800:]}"
            )
        return done.stdout + done.stderr

    def unit_command(self, unit: str) -> list[str]:
        """ExecStart of a deploy/ unit, with /opt/kubat being this checkout."""
        text = (DEPLOY / unit).read_text()
        line = re.search(r"^ExecStart=(.+)$", text, re.M)
        assert line, f"{unit} has no ExecStart"
        argv = shlex.split(line.group(1).replace("/opt/kubat", str(ROOT)))
        if "--port" in argv:
            argv[argv.index("--port") + 1] = str(self.port)
        return argv

    def start(self, name: str, argv: list[str]) -> subprocess.Popen[str]:
        log = open(self.var / f"{name}.log", "w")  # noqa: SIM115 (kept open with the process)
        proc = subprocess.Popen(
            argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=ROOT
        )
        self.procs[name] = proc
        return proc

    def log_of(self, name: str) -> str:
        return (self.var / f"{name}.log").read_text(errors="replace")

    def get(self, path: str, **headers: str) -> httpx.Response:
        return httpx.get(self.base + path, headers=headers, timeout=30)

    def wait(self, what: str, predicate: Callable[[], bool], timeout: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited {proc.returncode}: {self.log_of(name)[-800:]}"
                    )
            try:
                if predicate():
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{what} not within {timeout:.0f} s")

    # --- the steps --------------------------------------------------------------------------

    def fresh_databases(self) -> str:
        import psycopg

        parts = urlsplit(self.url)
        names = [parts.path.lstrip("/"), urlsplit(self.restore_url).path.lstrip("/")]
        admin_url = parts._replace(path="/postgres").geturl()
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
        return f"created {', '.join(names)} on {parts.hostname}:{parts.port or 5432}"

    def drop_databases(self) -> None:
        import psycopg

        parts = urlsplit(self.url)
        with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
            for url in (self.url, self.restore_url):
                admin.execute(
                    f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)'
                )

    def tools(self) -> str:
        found = {t: shutil.which(t) for t in ("pg_dump", "pg_restore", "systemd-analyze")}
        missing = [t for t in ("pg_dump", "pg_restore") if not found[t]]
        if missing:
            raise RuntimeError(f"missing {', '.join(missing)}: `make ops-tools`")
        return ", ".join(f"{t}={p}" for t, p in found.items() if p)

    def verify_units(self) -> str:
        if not shutil.which("systemd-analyze"):
            return "skipped: systemd-analyze missing"
        units = sorted(p.name for p in DEPLOY.iterdir() if p.suffix in {".service", ".timer"})
        work = self.var / "units"
        work.mkdir()
        for name in units:
            text = (
                (DEPLOY / name)
                .read_text()
                .replace("/etc/kubat/kubat.env", str(DEPLOY / "kubat.env.example"))
            )
            (work / name).write_text(text.replace("/opt/kubat", str(ROOT)))
        done = subprocess.run(
            ["systemd-analyze", "verify", *units], cwd=work, capture_output=True, text=True
        )
        if done.returncode != 0 or done.stderr.strip():
            raise RuntimeError(done.stderr.strip())
        return f"systemd-analyze verify: {', '.join(units)}"

    def check_deploy(self) -> str:
        out = self.kubat("check", "--deploy")
        warnings = re.findall(r"^\?: \((security\.W\d+)\)", out, re.M)
        return f"no errors; {len(warnings)} warnings ({', '.join(warnings) or 'none'})"

    def demo(self) -> str:
        self.kubat("demo")
        return "the generated demo dataset of every app (source: demo)"

    def start_web(self) -> str:
        argv = self.unit_command("kubat-web.service")
        self.start("web", argv)
        took = self.wait("/healthz 200", lambda: self.get("/healthz").status_code == 200, 120)
        return f"{' '.join(argv[1:])} answered /healthz after {took:.1f} s"

    def start_worker(self) -> str:
        argv = self.unit_command("kubat-worker.service")
        self.start("worker", argv)
        return " ".join(argv[1:])

    def readyz(self) -> str:
        self.wait("/readyz 200", lambda: self.get("/readyz").status_code == 200, 180)
        body = self.get("/readyz").json()
        return ", ".join(
            f"{k}={'ok' if v['ok'] else v['detail']}" for k, v in body["checks"].items()
        )

    def pages(self) -> str:
        seen = []
        for path in (
            "/",
            "/map/",
            "/ru/",
            "/api/v1/stats?country=KG",
            "/quotas/",
            "/permits/transparency/",
            "/open-data/locations.csv?country=KG",
        ):
            rid = f"rehearse-{secrets.token_hex(4)}"
            response = self.get(path, **{"X-Request-ID": rid})
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            if response.headers.get("X-Request-ID") != rid:
                raise RuntimeError(f"{path} did not return its X-Request-ID")
            seen.append((path, rid))
        time.sleep(0.5)
        lines = [json.loads(x) for x in self.log_of("web").splitlines() if x.startswith("{")]
        logged = {x.get("request_id") for x in lines if x.get("logger") == "kubat.request"}
        missing = [p for p, rid in seen if rid not in logged]
        if missing:
            raise RuntimeError(f"no JSON log line for {missing}")
        return f"{len(seen)} pages 200 with their request id returned and logged as JSON"

    def metrics(self) -> str:
        if self.get("/metrics").status_code != 403:
            raise RuntimeError("/metrics answered without the token")

        def every_job_ran() -> bool:
            text = self.get("/metrics", Authorization=f"Bearer {self.token}").text
            return all(f'kubat_job_runs_total{{job="{j}",outcome="ok"}}' in text for j in JOBS)

        self.wait("a run of every job in /metrics", every_job_ran, 180)
        text = self.get("/metrics", Authorization=f"Bearer {self.token}").text
        for name in (
            "kubat_http_requests_total",
            "kubat_http_request_duration_seconds_bucket",
            "kubat_quota_volume",
            "kubat_permit_cases_overdue",
            "kubat_worker_last_seen_timestamp_seconds",
        ):
            if name not in text:
                raise RuntimeError(f"{name} missing from /metrics")
        samples = len([x for x in text.splitlines() if x and not x.startswith("#")])
        return (
            f"403 without the token; {samples} samples with it; every job ran ok: {', '.join(JOBS)}"
        )

    def backup_and_restore(self) -> str:
        path = self.kubat("backup").strip().splitlines()[-1]
        manifest = json.loads((Path(path) / "manifest.json").read_text())
        rows = sum(t["rows"] for t in manifest["tables"].values())
        report = json.loads(self.kubat("restore", path, url=self.restore_url))
        if not report["tables_equal_manifest"] or not report["invariants"]["ok"]:
            raise RuntimeError(json.dumps(report["invariants"]))
        inv = report["invariants"]
        return (
            f"backup {Path(path).name}: {len(manifest['tables'])} tables, {rows} rows, "
            f"{len(manifest['migrations'])} migrations; restored into a fresh database, every "
            f"table equal to the manifest; counters equal a rebuild over "
            f"{inv['registry_counters_equal_rebuild']['locations']} locations; audit log sums "
            f"to the balances of {inv['quota_audit_sums_to_balances']['periods']} periods"
        )

    def invariants_live(self) -> str:
        report = json.loads(self.kubat("check-invariants"))
        if not report["ok"]:
            raise RuntimeError(json.dumps(report))
        return "registry counters and quota audit hold on the live database"

    def stop(self) -> str:
        codes = {}
        for name in ("worker", "web"):
            proc = self.procs.get(name)
            if proc is None:
                continue
            proc.send_signal(signal.SIGTERM)
            codes[name] = proc.wait(timeout=120)
        if any(codes.values()):
            raise RuntimeError(f"exit codes {codes}")
        return f"SIGTERM: {', '.join(f'{k} exited {v}' for k, v in codes.items())}"

    def run(self) -> int:
        print(f"Kubat rehearsal: {self.url} (and {self.restore_url}), var {self.var}", flush=True)
        try:
            ok = self.check("tools", self.tools) and self.check(
                "fresh databases", self.fresh_databases
            )
            if ok:
                self.check("systemd units", self.verify_units)
                ok = self.check(
                    "migrate", lambda: self.kubat("migrate", "--noinput").strip().splitlines()[-1]
                )
            if ok:
                self.check("check --deploy (KUBAT_DEBUG=false)", self.check_deploy)
                if not self.args.no_demo:
                    self.check("demo data", self.demo)
                ok = self.check("web server as kubat-web.service starts it", self.start_web)
            if ok:
                self.check("worker as kubat-worker.service starts it", self.start_worker)
                self.check("/readyz", self.readyz)
                self.check("pages, request ids and JSON logs", self.pages)
                self.check("/metrics and the periodic jobs", self.metrics)
                self.check("backup during service and restore", self.backup_and_restore)
                self.check("invariants on the live database", self.invariants_live)
            if self.procs:
                self.check("clean stop", self.stop)
        finally:
            for proc in self.procs.values():
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            if not self.args.keep:
                try:
                    self.drop_databases()
                except Exception as exc:  # the summary below still tells what was checked
                    print(f"could not drop the rehearsal databases: {exc}", flush=True)
                shutil.rmtree(self.var, ignore_errors=True)
        failed = [r["check"] for r in self.results if not r["ok"]]
        print(
            json.dumps(
                {
                    "passed": not failed and bool(self.results),
                    "checks": len(self.results),
                    "failed": failed,
                },
                indent=2,
            )
        )
        return 1 if failed else 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/kubat_ops_rehearse"
    )
    parser.add_argument("--no-demo", action="store_true", help="Skip loading the demo data.")
    parser.add_argument(
        "--keep", action="store_true", help="Keep the databases and var/ afterwards."
    )
    args = parser.parse_args()
    if "ops" not in urlsplit(args.database_url).path:
        parser.error(
            "--database-url: the rehearsal's database name must contain 'ops' (it is dropped)"
        )
    return Rehearsal(args).run()


if __name__ == "__main__":
    sys.exit(main())
