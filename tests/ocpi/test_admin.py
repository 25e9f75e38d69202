"""The admin issues a Token A once and never shows stored tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from kubat.ocpi.models import Peer
from kubat.ocpi.transport import digest

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
