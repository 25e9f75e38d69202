"""The sender pages in a stable order: a client paging while updates arrive misses nothing.

A real Kubat server (gunicorn, its own SQLite file) holds five locations; this test is the
mirroring client, and between two of its pages another process (a `kubat shell`) updates a
location the client has already received. Paging by the mutable last_updated moved that
location to the end, shifting the rest, so one was skipped for good.
"""

from __future__ import annotations

import base64
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from tests.ocpi.test_two_processes import SEED, Kubat, _free_port

TOKEN = "paging-client-token-c"
REGISTER = f"""
from kubat.ocpi.models import Peer
from kubat.ocpi.services import party_for_key
from kubat.ocpi.transport import digest
peer = Peer.objects.create(
    name="mirror", state=Peer.State.REGISTERED, token_digest=digest("{TOKEN}")
)
peer.parties.add(party_for_key(key="KG*MIR"))
"""
UPDATE = """
from datetime import UTC, datetime
from kubat.protocols.ocpi.v2_2_1.locations import Location
from kubat.registry import services
from kubat.registry.models import Party
from tests.ocpi.factories import evse, location
now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
data = location("A0", party="NL*XWP", country="NLD", last_updated=now,
    evses=[evse("1", status="OUTOFORDER", last_updated=now), evse("2")])
services.save_location(party=Party.objects.get(party_id="XWP"), data=Location.model_validate(data),
    source="ocpi")
"""


def _page(url: str, **params: str) -> httpx.Response:
    token = base64.b64encode(TOKEN.encode()).decode()
    return httpx.get(url, params=params, headers={"Authorization": f"Token {token}"}, timeout=10)


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_a_client_paging_while_locations_change_ends_with_each_once_at_its_newest(
    tmp_path: Path, version: str
) -> None:
    server = Kubat(tmp_path / "nap", _free_port(), "KG*NAP")
    server.kubat("migrate", "--noinput", "-v", "0")
    server.kubat("shell", "-c", SEED.format(count=5))
    server.kubat("shell", "-c", REGISTER)
    server.start()
    try:
        url = f"http://127.0.0.1:{server.port}/ocpi/{version}/sender/locations"
        started = _page(url, limit="1").headers["Date"]  # the server's clock, for the re-ask
        first = _page(url, limit="2").json()["data"]
        server.kubat("shell", "-c", UPDATE)  # A0, already received, changes
        seen = list(first)
        offset = len(first)
        while True:
            reply = _page(url, limit="2", offset=str(offset))
            page = reply.json()["data"]
            seen.extend(page)
            offset += len(page)
            if "Link" not in reply.headers:
                break
        ids = [item["id"] for item in seen]
        assert sorted(ids) == ["A0", "A1", "A2", "A3", "A4"], "a location was skipped or repeated"
        # The client asks again for what changed since it started and keeps the newest.
        date_from = parsedate_to_datetime(started).strftime("%Y-%m-%dT%H:%M:%SZ")
        changed = _page(url, date_from=date_from).json()["data"]
        mirror = {item["id"]: item for item in seen} | {item["id"]: item for item in changed}
        a0 = next(e for e in mirror["A0"]["evses"] if e["uid"] == "1")
        assert a0["status"] == "OUTOFORDER"
        assert len(mirror) == 5
    finally:
        server.stop()
