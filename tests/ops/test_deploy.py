"""The deployment recipe in deploy/: the systemd units pass `systemd-analyze verify`, and the
environment template names every setting an operator must decide."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = ["kubat-web.service", "kubat-worker.service", "kubat-backup.service", "kubat-backup.timer"]
needs_systemd = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is missing: `make ops-tools` installs systemd (as root, Debian)",
)


def _localised(tmp_path: Path, text: str) -> str:
    """The unit as it would be installed here: /opt/kubat is this checkout, the env file ours."""
    return text.replace("/etc/kubat/kubat.env", str(DEPLOY / "kubat.env.example")).replace(
        "/opt/kubat", str(ROOT)
    )


def _verify(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", "verify", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=paths[0].parent,
    )


@needs_systemd
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    paths = []
    for name in UNITS:
        path = tmp_path / name
        path.write_text(_localised(tmp_path, (DEPLOY / name).read_text()))
        paths.append(path)
    done = _verify(paths)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr


@needs_systemd
def test_systemd_analyze_verify_does_refuse_a_broken_unit(tmp_path: Path) -> None:
    """The check above is not a no-op: a unit whose command does not exist fails it."""
    text = _localised(tmp_path, (DEPLOY / "kubat-worker.service").read_text())
    broken = tmp_path / "kubat-worker.service"
    broken.write_text(text.replace(f"{ROOT}/.venv/bin/kubat", "/nonexistent/kubat"))
    done = _verify([broken])
    assert done.returncode != 0
    assert "/nonexistent/kubat" in done.stderr


def test_the_web_unit_starts_kubat_serve_and_the_worker_unit_kubat_worker() -> None:
    web = (DEPLOY / "kubat-web.service").read_text()
    worker = (DEPLOY / "kubat-worker.service").read_text()
    assert re.search(r"^ExecStart=/opt/kubat/\.venv/bin/kubat serve ", web, re.M)
    assert re.search(r"^ExecStart=/opt/kubat/\.venv/bin/kubat worker$", worker, re.M)
    for text in (web, worker):
        assert "EnvironmentFile=/etc/kubat/kubat.env" in text


def test_the_environment_template_names_every_production_setting() -> None:
    template = (DEPLOY / "kubat.env.example").read_text()
    for name in (
        "KUBAT_SECRET_KEY",
        "KUBAT_DATABASE_URL",
        "KUBAT_ALLOWED_HOSTS",
        "KUBAT_DEBUG",
        "KUBAT_VAR_DIR",
        "KUBAT_METRICS_TOKEN",
        "KUBAT_DATABASE_REPLICA_URL",
        "KUBAT_BACKUP_DIR",
        "KUBAT_HTTPS",
    ):
        assert re.search(rf"^#? ?{name}=", template, re.M), name
