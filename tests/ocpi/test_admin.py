"""The admin: Token A issued once and never shown again; Kubat registered with a peer."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client

from kubat.ocpi import client as ocpi_client
from kubat.ocpi.models import Peer
from kubat.ocpi.transport import digest
from tests.ocpi.peers import FakeOperator, accept_registration

pytestmark = pytest.mark.django_db


def test_admin_issues_token_a_and_shows_it_once(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/ocpi/peer/issue-token/", {"party": "KG*ABC", "name": "ABC Charge"}, follow=True
    )
    assert response.status_code == 200
    message = next(iter(response.context["messages"])).message
    token = message.rsplit(": ", 1)[1]
    peer = Peer.objects.get()
    assert peer.token_a_digest == digest(token)
    listing = admin_client.get("/admin/ocpi/peer/").content.decode()
    assert token not in listing
    page = admin_client.get(f"/admin/ocpi/peer/{peer.pk}/change/").content.decode()
    assert token not in page
    assert peer.token_a_digest not in page


def test_admin_refuses_a_bad_party_key(admin_client: Client) -> None:
    response = admin_client.post("/admin/ocpi/peer/issue-token/", {"party": "KG-AB"})
    assert response.status_code == 200
    assert "is not a party key" in response.content.decode()
    assert not Peer.objects.exists()


def test_admin_registers_kubat_with_a_peer(admin_client: Client) -> None:
    fake = FakeOperator("token-a-from-peer")
    accept_registration(fake, token_c="token-c-from-peer", party=("NL", "XWP"))
    ocpi_client.transport = httpx.MockTransport(fake)
    try:
        response = admin_client.post(
            "/admin/ocpi/peer/register/",
            {"url": f"{fake.base}/versions", "token": "token-a-from-peer", "party": "NL*XWP"},
            follow=True,
        )
    finally:
        ocpi_client.transport = None
    assert response.status_code == 200
    peer = Peer.objects.get()
    assert peer.state == Peer.State.REGISTERED
    assert peer.their_token == "token-c-from-peer"


def test_admin_register_reports_an_unreachable_peer(admin_client: Client) -> None:
    fake = FakeOperator("another-token")
    ocpi_client.transport = httpx.MockTransport(fake)
    try:
        response = admin_client.post(
            "/admin/ocpi/peer/register/",
            {"url": f"{fake.base}/versions", "token": "wrong", "party": "NL*XWP"},
        )
    finally:
        ocpi_client.transport = None
    assert "HTTP 401" in response.content.decode()
    assert not Peer.objects.filter(state=Peer.State.REGISTERED).exists()
