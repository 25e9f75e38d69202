"""Two Kubat processes register with each other in OCPI 2.3.0, and a 2.2.1-only platform still
works against the same server: each keeps its version, and each sees what its version defines.

A plays an operator's platform (its own gunicorn and SQLite), B registers with it and pulls.
The 2.2.1 platform is this test: a small HTTP server on loopback answers A's calls to its
versions (2.2.1 only), and the test pushes and pulls with the token A gives it.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ocpi.factories import location
from tests.ocpi.test_two_processes import SEED, Kubat

# This suite's own loopback ports (the brief's range), so parallel runs elsewhere never clash.
PORTS = range(8600, 8650)

SEED_2_3_0 = """
from kubat.protocols.ocpi.v2_3_0.locations import Location
from kubat.registry import services
from tests.ocpi.factories import connector, evse, location
party = services.get_or_create_party(country_code="NL", party_id="XWP")
mcs = connector("1", standard="MCS", max_voltage=1250, max_amperage=800)
data = location("TRUCK", party="NL*XWP", country="NLD", help_phone="+31201234567",
    evses=[evse("1", connectors=[mcs]), evse("2")])
services.save_location(party=party, data=Location.model_validate(data), source="api")
"""
PEERS = """
from kubat.ocpi.models import Peer
for peer in Peer.objects.filter(state="registered").order_by("name"):
    print(peer.name, peer.version)
"""
MIRROR = """
from kubat.registry.models import Connector, Location
truck = Location.objects.get(ocpi_id="TRUCK")
print(Location.objects.count(), truck.help_phone, Connector.objects.filter(standard="MCS").count())
"""
OLD_TOKEN_B = "token-b-of-the-2-2-1-platform"


def _ports() -> Iterator[int]:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        yield port


class _Platform221(BaseHTTPRequestHandler):
    """A 2.2.1-only operator platform: versions and details, nothing newer."""

    base = ""

    def do_GET(self) -> None:
        expected = "Token " + base64.b64encode(OLD_TOKEN_B.encode()).decode()
        if self.headers.get("Authorization") != expected:
            self._send(401, None, 2000)
        elif self.path.rstrip("/") == "/ocpi/versions":
            self._send(200, [{"version": "2.2.1", "url": f"{self.base}/2.2.1"}])
        elif self.path.rstrip("/") == "/ocpi/2.2.1":
            url = f"{self.base}/2.2.1/credentials"
            endpoints = [{"identifier": "credentials", "role": "RECEIVER", "url": url}]
            self._send(200, {"version": "2.2.1", "endpoints": endpoints})
        else:
            self._send(404, None, 2000)

    def _send(self, status: int, data: Any, code: int = 1000) -> None:
        body = json.dumps({"data": data, "status_code": code, "timestamp": "2026-01-01T00:00:00Z"})
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        """Quiet: the test's output is its assertions."""


@pytest.fixture
def platforms(tmp_path: Path) -> Iterator[tuple[Kubat, Kubat, str]]:
    ports = _ports()
    a = Kubat(tmp_path / "a", next(ports), "NL*XWP")
    b = Kubat(tmp_path / "b", next(ports), "KG*NAP")
    old_port = next(ports)
    _Platform221.base = f"http://127.0.0.1:{old_port}/ocpi"
    old = ThreadingHTTPServer(("127.0.0.1", old_port), _Platform221)
    thread = threading.Thread(target=old.serve_forever, daemon=True)
    thread.start()
    try:
        for k in (a, b):
            k.kubat("migrate", "--noinput", "-v", "0")
            k.start()
        yield a, b, _Platform221.base
    finally:
        a.stop()
        b.stop()
        old.shutdown()
        old.server_close()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def test_two_kubats_register_in_2_3_0_and_a_2_2_1_platform_still_works_beside_them(
    platforms: tuple[Kubat, Kubat, str],
) -> None:
    a, b, old_base = platforms
    a.kubat("shell", "-c", SEED.format(count=3))
    a.kubat("shell", "-c", SEED_2_3_0)
    a_url = a.env["KUBAT_OCPI_URL"]

    # B registers with A: both offer 2.3.0, so that is the version they share and keep.
    token_a = a.kubat("ocpi", "issue-token", "--party", "KG*NAP")
    b.kubat("ocpi", "register", f"{a_url}/versions", "--token", token_a, "--party", "NL*XWP")
    assert b.kubat("shell", "-c", PEERS).splitlines()[-1] == "NL*XWP 2.3.0"
    assert a.kubat("shell", "-c", PEERS).splitlines()[-1] == "Kubat national access point 2.3.0"
    report = json.loads(b.kubat("ocpi", "pull", "--party", "NL*XWP"))
    assert report["NL*XWP"]["saved"] == 4
    # What only 2.3.0 can say reached B: the help line and the MCS plug.
    assert b.kubat("shell", "-c", MIRROR).splitlines()[-1] == "4 +31201234567 1"

    # A 2.2.1-only platform registers with the same server A, in 2.2.1.
    token_a_old = a.kubat("ocpi", "issue-token", "--party", "KG*OLD", "--name", "Old platform")
    credentials = {
        "token": OLD_TOKEN_B,
        "url": f"{old_base}/versions",
        "roles": [
            {
                "role": "CPO",
                "business_details": {"name": "Old platform"},
                "party_id": "OLD",
                "country_code": "KG",
            }
        ],
    }
    versions = httpx.get(f"{a_url}/versions", headers=_auth(token_a_old), timeout=10).json()
    url_221 = next(v["url"] for v in versions["data"] if v["version"] == "2.2.1")
    reply = httpx.post(
        f"{url_221}/credentials", json=credentials, headers=_auth(token_a_old), timeout=30
    ).json()
    assert reply["status_code"] == 1000, reply
    token_c = reply["data"]["token"]
    assert a.kubat("shell", "-c", PEERS).splitlines()[-2:] == [
        "Kubat national access point 2.3.0",
        "Old platform 2.2.1",
    ]
    # It pushes a 2.2.1 location and mirrors A's dataset as 2.2.1 defines it.
    pushed = location("OLD1", party="KG*OLD")
    put = httpx.put(
        f"{url_221}/receiver/locations/KG/OLD/OLD1", json=pushed, headers=_auth(token_c), timeout=10
    )
    assert (put.status_code, put.json()["status_code"]) == (201, 1000)
    page = httpx.get(
        f"{url_221}/sender/locations", params={"limit": 100}, headers=_auth(token_c), timeout=10
    ).json()["data"]
    by_id = {item["id"]: item for item in page}
    assert set(by_id) == {"A0", "A1", "A2", "TRUCK", "OLD1"}
    assert "help_phone" not in by_id["TRUCK"]
    assert [e["uid"] for e in by_id["TRUCK"]["evses"]] == ["2"]  # 2.2.1 cannot name MCS
    # B, registered in 2.3.0 all along, still pulls in 2.3.0 from the same server.
    report = json.loads(b.kubat("ocpi", "pull", "--all"))
    assert report["NL*XWP"]["pages"] >= 1
    assert b.kubat("shell", "-c", PEERS).splitlines()[-1] == "NL*XWP 2.3.0"
