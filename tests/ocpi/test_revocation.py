"""A revoked token is refused at once in every worker process: two gunicorn servers share one
database; a token is used on both, revoked through one, and refused by the other at once. The
three ways to revoke: an OCPI credentials DELETE, a credentials PUT (the peer's new
registration replaces the token), and `kubat accounts revoke-token`."""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.ocpi.peers import FakeOperator
from tests.ocpi.test_two_processes import Kubat, _free_port

PEER = """
from kubat.ocpi.models import Peer
from kubat.ocpi.services import party_for_key
from kubat.ocpi.transport import digest
peer = Peer.objects.create(name="op", state="registered", token_digest=digest("peer-token-c"))
peer.parties.add(party_for_key(key="KG*ABC"))
"""
PEER_TO_UPDATE = """
from kubat.ocpi.models import Peer
from kubat.ocpi.services import party_for_key
from kubat.ocpi.transport import digest
peer = Peer.objects.create(name="op2", state="registered", token_digest=digest("peer-token-p"))
peer.parties.add(party_for_key(key="KG*ABD"))
"""
API_TOKEN = """
from django.contrib.auth import get_user_model
from kubat.accounts.services import issue_token
user = get_user_model().objects.create_user("machine")
print(issue_token(user=user))
"""


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Kubat, Kubat]]:
    """Two server processes over one SQLite database, as two gunicorn workers would be."""
    tmp_path = tmp_path_factory.mktemp("workers")
    one = Kubat(tmp_path / "one", _free_port(), "KG*NAP")
    two = Kubat(tmp_path / "two", _free_port(), "KG*NAP")
    two.env["KUBAT_DATABASE_URL"] = one.env["KUBAT_DATABASE_URL"]
    try:
        one.kubat("migrate", "--noinput", "-v", "0")
        one.start()
        two.start()
        yield one, two
    finally:
        one.stop()
        two.stop()


def _ocpi(kubat: Kubat, method: str, path: str) -> httpx.Response:
    token = base64.b64encode(b"peer-token-c").decode()
    return httpx.request(
        method,
        f"http://127.0.0.1:{kubat.port}/ocpi/2.2.1/{path}",
        headers={"Authorization": f"Token {token}"},
        timeout=10,
    )


def test_an_ocpi_credentials_delete_refuses_the_token_at_once_in_every_process(
    workers: tuple[Kubat, Kubat],
) -> None:
    one, two = workers
    one.kubat("shell", "-c", PEER)
    # Both processes have seen (and, were there a cache, cached) the token.
    for kubat in (one, two):
        assert _ocpi(kubat, "GET", "sender/locations").status_code == 200
    deleted = _ocpi(one, "DELETE", "credentials")
    assert deleted.json()["status_code"] == 1000, deleted.text
    refused = _ocpi(two, "GET", "sender/locations")
    assert refused.status_code == 401
    assert refused.json()["status_message"] == "unknown or revoked token"


def test_an_api_token_revocation_refuses_the_token_at_once_in_every_process(
    workers: tuple[Kubat, Kubat],
) -> None:
    one, two = workers
    token = one.kubat("shell", "-c", API_TOKEN).splitlines()[-1]
    url = f"http://127.0.0.1:{two.port}/api/v1/quotas/audit"
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(url, headers=headers, timeout=10).status_code != 401
    one.kubat("accounts", "revoke-token", token[:8])
    assert httpx.get(url, headers=headers, timeout=10).status_code == 401


def _port_in_range() -> int:
    """A free loopback port among this suite's own (8650-8699), for the fake peer."""
    for port in range(8650, 8700):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port in 8650-8699")


@pytest.fixture
def peer_platform() -> Iterator[FakeOperator]:
    """The peer's own OCPI platform on loopback, which a credentials PUT makes Kubat call."""
    port = _port_in_range()
    fake = FakeOperator("their-new-token")
    fake.base = f"http://127.0.0.1:{port}/ocpi"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = dict(self.headers.items())
            answer = fake(httpx.Request("GET", fake.base + self.path[5:], headers=headers))
            self.send_response(answer.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def test_an_ocpi_credentials_put_refuses_the_old_token_at_once_in_every_process(
    workers: tuple[Kubat, Kubat], peer_platform: FakeOperator
) -> None:
    one, two = workers
    one.kubat("shell", "-c", PEER_TO_UPDATE)
    old = base64.b64encode(b"peer-token-p").decode()
    url = "ocpi/2.2.1/sender/locations"
    for kubat in (one, two):
        response = httpx.get(
            f"http://127.0.0.1:{kubat.port}/{url}", headers={"Authorization": f"Token {old}"}
        )
        assert response.status_code == 200
    body = {
        "token": "their-new-token",
        "url": f"{peer_platform.base}/versions",
        "roles": [
            {
                "role": "CPO",
                "business_details": {"name": "Operator two"},
                "party_id": "ABD",
                "country_code": "KG",
            }
        ],
    }
    updated = httpx.put(
        f"http://127.0.0.1:{one.port}/ocpi/2.2.1/credentials",
        json=body,
        headers={"Authorization": f"Token {old}"},
        timeout=10,
    )
    assert updated.json()["status_code"] == 1000, updated.text
    assert peer_platform.requests  # Kubat read the peer's new versions before answering
    new = base64.b64encode(updated.json()["data"]["token"].encode()).decode()
    refused = httpx.get(
        f"http://127.0.0.1:{two.port}/{url}", headers={"Authorization": f"Token {old}"}
    )
    assert refused.status_code == 401
    accepted = httpx.get(
        f"http://127.0.0.1:{two.port}/{url}", headers={"Authorization": f"Token {new}"}
    )
    assert accepted.status_code == 200
