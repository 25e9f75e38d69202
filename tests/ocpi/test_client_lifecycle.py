"""Kubat as an OCPI client over its whole life with a peer, against a real second Kubat.

B registers with A (A plays the operator's platform), pulls A's tariffs and locations, renews
its credentials (PUT: both tokens rotate, the old ones stop working), retires on a full pull
what A no longer sends, and unregisters (DELETE: A forgets B). Two gunicorn processes, each
with its own SQLite database (tests/ocpi/test_two_processes.py).
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.ocpi.test_two_processes import SEED, Kubat, pair  # noqa: F401 (fixture)

TARIFF = """
from kubat.protocols.ocpi.v2_2_1.tariffs import Tariff
from kubat.registry import tariffs
from kubat.registry.models import Party
party = Party.objects.get(party_id="XWP")
tariffs.put_tariff(party=party, source="import", data=Tariff.model_validate({
    "country_code": "NL", "party_id": "XWP", "id": "DC-ADHOC", "currency": "EUR",
    "type": "AD_HOC_PAYMENT",
    "elements": [{"price_components": [{"type": "ENERGY", "price": 0.45, "vat": 21.0,
                                        "step_size": 1}]}],
    "last_updated": "2026-01-01T00:00:00Z"}))
"""
UNPUBLISH = """
from datetime import UTC, datetime
from kubat.protocols.ocpi.v2_2_1.locations import Location
from kubat.registry import services
from kubat.registry.models import Party
from tests.ocpi.factories import location
now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
data = location("A2", party="NL*XWP", country="NLD", last_updated=now, publish=False)
services.save_location(party=Party.objects.get(party_id="XWP"), data=Location.model_validate(data),
    source="import")
"""
STATE_AT_B = """
from kubat.ocpi.models import Peer
from kubat.registry import publicity
from kubat.registry.models import Location, Tariff
peer = Peer.objects.get()
print(peer.state, peer.their_token, sorted(t.ocpi_id for t in Tariff.objects.all()),
      {loc.ocpi_id: publicity.of(loc).value for loc in Location.objects.all()}.get("A2", "-"))
"""
PEER_AT_A = """
from kubat.ocpi.models import Peer
print(Peer.objects.get().state)
"""


def _get(kubat: Kubat, path: str, token: str) -> httpx.Response:
    encoded = base64.b64encode(token.encode()).decode()
    return httpx.get(
        f"http://127.0.0.1:{kubat.port}/ocpi/{path}",
        headers={"Authorization": f"Token {encoded}"},
        timeout=10,
    )


def _state(b: Kubat) -> list[str]:
    """B's peer state, its token at A, its tariffs and A2's publicity ("-" before any pull; the
    shell's last line)."""
    return b.kubat("shell", "-c", STATE_AT_B).splitlines()[-1].split()


def _register(a: Kubat, b: Kubat) -> None:
    token_a = a.kubat("ocpi", "issue-token", "--party", "KG*NAP")
    b.kubat("ocpi", "register", f"{a.env['KUBAT_OCPI_URL']}/versions", "--token", token_a,
            "--party", "NL*XWP")  # fmt: skip


def test_kubat_renews_retires_pulls_tariffs_and_unregisters(
    pair: tuple[Kubat, Kubat],  # noqa: F811
) -> None:
    a, b = pair
    a.kubat("shell", "-c", SEED.format(count=4))
    a.kubat("shell", "-c", TARIFF)
    _register(a, b)
    report = json.loads(b.kubat("ocpi", "pull", "--party", "NL*XWP"))["NL*XWP"]
    assert report["saved"] == 4
    assert report["tariffs"]["saved"] == 1

    # Renewal: B's token at A (C) and A's token at B (B) both rotate.
    old_theirs = _state(b)[1]
    assert _get(a, "versions", old_theirs).status_code == 200
    assert b.kubat("ocpi", "renew", "--party", "NL*XWP") == "renewed with NL*XWP"
    new_theirs = _state(b)[1]
    assert new_theirs != old_theirs
    assert _get(a, "versions", old_theirs).status_code == 401
    assert _get(a, "versions", new_theirs).status_code == 200

    # A stops publishing A2; an incremental pull cannot tell, a full pull retires it at B.
    a.kubat("shell", "-c", UNPUBLISH)
    b.kubat("ocpi", "pull", "--party", "NL*XWP")
    assert _state(b)[-1] == "public"
    report = json.loads(b.kubat("ocpi", "pull", "--party", "NL*XWP", "--full"))["NL*XWP"]
    assert report["retired"] == ["A2"]
    state = _state(b)
    assert state[0] == "registered"
    assert state[-1] == "retired"
    assert "['DC-ADHOC']" in " ".join(state)

    # Unregistering: A forgets B, B's token no longer opens A.
    assert b.kubat("ocpi", "unregister", "--party", "NL*XWP") == "unregistered from NL*XWP"
    assert a.kubat("shell", "-c", PEER_AT_A).splitlines()[-1] == "unregistered"
    assert _get(a, "versions", new_theirs).status_code == 401
    assert _state(b)[0] == "unregistered"


def test_renewal_from_the_scheduled_job_renews_only_peers_due(
    pair: tuple[Kubat, Kubat],  # noqa: F811
) -> None:
    a, b = pair
    _register(a, b)
    theirs = _state(b)[1]
    assert b.kubat("ocpi", "renew", "--due") == ""  # just registered: not due
    assert _state(b)[1] == theirs
    # A month later (the tokens' age moved back 29 days), the daily job renews.
    b.kubat(
        "shell",
        "-c",
        "from datetime import timedelta\n"
        "from kubat.ocpi.models import Peer\n"
        "p = Peer.objects.get(); p.credentials_at -= timedelta(days=29); p.save()",
    )
    assert b.kubat("ocpi", "renew", "--due") == "renewed with NL*XWP"
    assert _state(b)[1] != theirs


@pytest.mark.django_db
def test_a_peer_advertising_no_locations_sender_is_refused_before_any_registration() -> None:
    """A platform offering only credentials (and a Locations receiver) cannot be mirrored."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from kubat.ocpi import client as ocpi_client
    from kubat.ocpi.models import Peer
    from tests.ocpi.peers import FakeOperator, ok

    fake = FakeOperator("token-a")

    def details(request: httpx.Request) -> httpx.Response:
        endpoints = [
            {"identifier": "credentials", "role": "RECEIVER", "url": fake.url("cr")},
            {"identifier": "locations", "role": "RECEIVER", "url": fake.url("loc")},
        ]
        return ok({"version": "2.2.1", "endpoints": endpoints})

    fake.extra["/ocpi/2.2.1"] = details
    ocpi_client.transport = httpx.MockTransport(fake)
    try:
        with pytest.raises(CommandError) as caught:
            call_command(
                "ocpi", "register", f"{fake.base}/versions", "--token", "token-a",
                "--party", "NL*XWP",
            )  # fmt: skip
    finally:
        ocpi_client.transport = None
    assert caught.value.returncode == 2
    assert "advertises no Locations sender" in str(caught.value)
    assert not [r for r in fake.requests if r.method == "POST"]
    assert not Peer.objects.filter(state=Peer.State.REGISTERED).exists()
