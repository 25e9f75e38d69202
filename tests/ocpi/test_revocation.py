"""A revoked token is refused at once in every worker process: two gunicorn servers share one
database; a token is used on both, revoked through one, and refused by the other at once."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from tests.ocpi.test_two_processes import Kubat, _free_port

PEER = """
from kubat.ocpi.models import Peer
from kubat.ocpi.services import party_for_key
from kubat.ocpi.transport import digest
peer = Peer.objects.create(name="op", state="registered", token_digest=digest("peer-token-c"))
peer.parties.add(party_for_key(key="KG*ABC"))
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
