"""Two Kubat processes talk OCPI: A plays an operator's platform (sender), B registers with it
and pulls. Each is a real gunicorn server on its own port with its own SQLite database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    """A port nobody listens on now, so two runs (or another service) never collide."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SEED = """
from kubat.protocols.ocpi.v2_2_1.locations import Location
from kubat.registry import services
from tests.ocpi.factories import location
party = services.get_or_create_party(country_code="NL", party_id="XWP")
items = [
    (party, Location.model_validate(location(f"A{{i}}", party="NL*XWP", country="NLD")), "")
    for i in range({count})
]
services.bulk_create_locations(items=items, source="import")
"""
STATUS = """
from datetime import UTC, datetime
from kubat.registry import services
from kubat.registry.models import Party
services.record_evse_status(party=Party.objects.get(party_id="XWP"), location_id="A3", evse_uid="2",
    status="CHARGING", at=datetime.now(UTC), source="api")
"""
COUNT = """
from kubat.registry.models import EVSE, Location
print(Location.objects.count(), EVSE.objects.get(location__ocpi_id="A3", uid="2").status)
"""


class Kubat:
    def __init__(self, root: Path, port: int, party: str) -> None:
        root.mkdir()
        self.port = port
        self.env = {
            **os.environ,
            "KUBAT_DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
            "KUBAT_VAR_DIR": str(root),
            "KUBAT_OCPI_URL": f"http://127.0.0.1:{port}/ocpi",
            "KUBAT_OCPI_PARTY": party,
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        }
        (root / "static").mkdir()
        self.server: subprocess.Popen[bytes] | None = None

    def kubat(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "kubat.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.server = subprocess.Popen(
            [
                *(str(gunicorn), "kubat.wsgi:application", "-b", f"127.0.0.1:{self.port}"),
                *("-w", "1", "--threads", "4", "--log-level", "warning"),
            ],
            env=self.env,
        )
        for _ in range(100):
            if self.server.poll() is not None:
                raise AssertionError(f"server on {self.port} exited: {self.server.returncode}")
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/ocpi/versions", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"server on {self.port} did not start")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=10)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Kubat, Kubat]]:
    a = Kubat(tmp_path / "a", _free_port(), "NL*XWP")
    b = Kubat(tmp_path / "b", _free_port(), "KG*NAP")
    try:
        for k in (a, b):
            k.kubat("migrate", "--noinput", "-v", "0")
            k.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


def test_one_kubat_registers_with_another_and_mirrors_its_locations(
    pair: tuple[Kubat, Kubat],
) -> None:
    a, b = pair
    a.kubat("shell", "-c", SEED.format(count=7))
    token_a = a.kubat("ocpi", "issue-token", "--party", "KG*NAP")
    b.kubat(
        "ocpi",
        "register",
        f"{a.env['KUBAT_OCPI_URL']}/versions",
        "--token",
        token_a,
        "--party",
        "NL*XWP",
    )
    report = json.loads(b.kubat("ocpi", "pull", "--party", "NL*XWP", "--limit", "3"))
    assert report["NL*XWP"]["saved"] == 7
    assert report["NL*XWP"]["pages"] == 3
    assert b.kubat("shell", "-c", COUNT).splitlines()[-1] == "7 AVAILABLE"
    # A status change at the operator reaches B on the next (incremental) pull.
    a.kubat("shell", "-c", STATUS)
    report = json.loads(b.kubat("ocpi", "pull", "--all"))
    assert report["NL*XWP"]["received"] == 1
    assert b.kubat("shell", "-c", COUNT).splitlines()[-1] == "7 CHARGING"
