"""Versions and Credentials 2.2.1: Token A, registration, token swap, update, unregister."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from io import StringIO

import httpx
import pytest
from django.core.management import call_command
from django.test import Client

from kubat.ocpi import client as ocpi_client
from kubat.ocpi import services
from kubat.ocpi.models import Peer
from kubat.ocpi.transport import digest
from tests.ocpi.factories import BASE, call
from tests.ocpi.peers import FakeOperator, json_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Iterator[FakeOperator]:
    fake = FakeOperator("token-b-of-operator")
    ocpi_client.transport = httpx.MockTransport(fake)
    yield fake
    ocpi_client.transport = None


def credentials_body(token: str = "token-b-of-operator", party: str = "ABC") -> dict[str, object]:
    return {
        "token": token,
        "url": "https://operator.example/ocpi/versions",
        "roles": [
            {
                "role": "CPO",
                "business_details": {"name": "Bishkek Charge"},
                "party_id": party,
                "country_code": "KG",
            }
        ],
    }


def test_token_a_opens_versions_and_details_only(client: Client) -> None:
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    assert call(client, "GET", "/ocpi/versions", token=token_a).status_code == 200
    details = call(client, "GET", BASE, token=token_a).json()["data"]
    offered = {(e["identifier"], e["role"]) for e in details["endpoints"]}
    assert offered == {
        ("credentials", "SENDER"),
        ("credentials", "RECEIVER"),
        ("locations", "SENDER"),
        ("locations", "RECEIVER"),
        ("tariffs", "SENDER"),
        ("tariffs", "RECEIVER"),
        ("cdrs", "RECEIVER"),
    }
    assert call(client, "GET", f"{BASE}/sender/locations", token=token_a).status_code == 401


def test_registration_swaps_token_a_for_b_and_c(client: Client, operator: FakeOperator) -> None:
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    response = call(client, "POST", f"{BASE}/credentials", credentials_body(), token=token_a)
    body = response.json()
    assert body["status_code"] == 1000, body
    ours = body["data"]
    assert ours["roles"][0]["role"] == "NAP"
    assert ours["url"] == "http://testserver/ocpi/versions"
    token_c = ours["token"]
    # Kubat read the operator's versions with token B before answering.
    assert operator.requests[0].url.path == "/ocpi/versions"
    peer = Peer.objects.get()
    assert peer.state == Peer.State.REGISTERED
    assert peer.their_token == "token-b-of-operator"
    assert peer.token_digest == digest(token_c)
    assert peer.token_a_digest is None
    assert call(client, "GET", "/ocpi/versions", token=token_a).status_code == 401
    assert call(client, "GET", f"{BASE}/credentials", token=token_c).json()["data"]["token"] == (
        token_c
    )


def test_second_post_is_refused_with_405(client: Client, operator: FakeOperator) -> None:
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    token_c = call(client, "POST", f"{BASE}/credentials", credentials_body(), token=token_a).json()[
        "data"
    ]["token"]
    response = call(client, "POST", f"{BASE}/credentials", credentials_body(), token=token_c)
    assert response.status_code == 405


def test_put_exchanges_tokens_again(client: Client, operator: FakeOperator) -> None:
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    token_c = call(client, "POST", f"{BASE}/credentials", credentials_body(), token=token_a).json()[
        "data"
    ]["token"]
    operator.token = "token-b2"
    response = call(
        client, "PUT", f"{BASE}/credentials", credentials_body("token-b2"), token=token_c
    )
    new_c = response.json()["data"]["token"]
    assert new_c != token_c
    assert call(client, "GET", "/ocpi/versions", token=token_c).status_code == 401
    assert call(client, "GET", "/ocpi/versions", token=new_c).status_code == 200
    assert Peer.objects.get().their_token == "token-b2"


def test_delete_unregisters_and_the_token_stops_working(
    client: Client, operator: FakeOperator
) -> None:
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    token_c = call(client, "POST", f"{BASE}/credentials", credentials_body(), token=token_a).json()[
        "data"
    ]["token"]
    assert (
        call(client, "DELETE", f"{BASE}/credentials", token=token_c).json()["status_code"] == 1000
    )
    assert call(client, "GET", "/ocpi/versions", token=token_c).status_code == 401
    assert Peer.objects.get().state == Peer.State.UNREGISTERED


def test_roles_for_another_party_are_refused(client: Client, operator: FakeOperator) -> None:
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    response = call(
        client, "POST", f"{BASE}/credentials", credentials_body(party="XYZ"), token=token_a
    )
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("roles")


def test_unusable_peer_api_gets_3001(client: Client, operator: FakeOperator) -> None:
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    response = call(
        client, "POST", f"{BASE}/credentials", credentials_body("wrong-b"), token=token_a
    )
    assert response.json()["status_code"] == 3001
    assert Peer.objects.get().state == Peer.State.PENDING


def test_malformed_credentials_get_2001_naming_the_field(client: Client) -> None:
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    body = credentials_body()
    del body["url"]
    response = call(client, "POST", f"{BASE}/credentials", body, token=token_a)
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("url")


def test_issue_token_command_prints_token_a_once_and_stores_its_digest() -> None:
    out = StringIO()
    call_command("ocpi", "issue-token", "--party", "KG*ABC", stdout=out)
    token = out.getvalue().strip()
    peer = Peer.objects.get()
    assert peer.token_a_digest == digest(token)
    assert token not in str(Peer.objects.values().get())
    assert [p.key for p in peer.parties.all()] == ["KG*ABC"]


def test_issue_token_command_refuses_a_bad_party_with_exit_2() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as caught:
        call_command("ocpi", "issue-token", "--party", "KGABCD")
    assert caught.value.returncode == 2


def test_kubat_registers_itself_as_the_credentials_sender(operator: FakeOperator) -> None:
    """`kubat ocpi register`: Token A from the operator, token B ours, token C theirs."""
    issued = {"c": "token-c-of-operator"}

    def credentials(request: httpx.Request) -> httpx.Response:
        sent = json_of(request)
        operator.token = issued["c"]
        operator.posted = sent  # type: ignore[attr-defined]
        return httpx.Response(
            200,
            json={
                "data": {
                    "token": issued["c"],
                    "url": "https://operator.example/ocpi/versions",
                    "roles": [
                        {
                            "role": "CPO",
                            "business_details": {"name": "XWP"},
                            "party_id": "XWP",
                            "country_code": "NL",
                        }
                    ],
                },
                "status_code": 1000,
                "timestamp": "2026-01-01T00:00:00Z",
            },
        )

    operator.token = "token-a-from-operator"
    operator.extra["/ocpi/2.2.1/cr"] = credentials
    out = StringIO()
    call_command(
        "ocpi",
        "register",
        "https://operator.example/ocpi/versions",
        "--token",
        "token-a-from-operator",
        "--party",
        "NL*XWP",
        "--our-url",
        "https://kubat.example/ocpi",
        stdout=out,
    )
    peer = Peer.objects.get()
    assert peer.state == Peer.State.REGISTERED
    assert peer.their_token == "token-c-of-operator"
    posted = operator.posted  # type: ignore[attr-defined]
    assert posted["url"] == "https://kubat.example/ocpi/versions"
    assert posted["roles"][0]["role"] == "NAP"
    assert peer.token_digest == digest(posted["token"])
    assert peer.endpoint("locations", "SENDER") == operator.url("loc")
    # The token Kubat presents after registration is C, base64 as 2.2.1 requires.
    last = operator.requests[-1].headers["Authorization"]
    assert base64.b64decode(last.removeprefix("Token ")).decode() == "token-c-of-operator"


def test_a_token_a_registers_once_even_while_another_worker_still_caches_it(
    client: Client, operator: FakeOperator
) -> None:
    from kubat.core.errors import KubatError
    from kubat.ocpi import versions
    from kubat.ocpi.transport import Caller

    peer, token_a = services.issue_token_a(party_key="KG*ABC")
    stale = Caller(peer_id=peer.pk, parties={}, token_a=True, token=token_a)
    post = {"body": credentials_body(), "request_base": "http://x", "version": versions.V2_2_1}
    services.register_peer(caller=stale, **post)
    with pytest.raises(KubatError) as info:
        services.register_peer(caller=stale, **post)
    assert info.value.http_status == 405


def test_pulling_an_unknown_party_creates_no_party() -> None:
    from kubat.core.errors import NotFound
    from kubat.registry.models import Party

    with pytest.raises(NotFound):
        services.get_peer(party_key="KG*ZZZ")
    assert not Party.objects.filter(party_id="ZZZ").exists()
