"""Small builders for the OCPI tests: registered peers, auth headers, Kyrgyz locations."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from django.test import Client

from kubat.ocpi import services
from kubat.ocpi.models import Peer
from kubat.ocpi.transport import digest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocpi"
BASE = "/ocpi/2.2.1"


def example(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def registered_peer(*parties: str, token: str = "operator-token-c") -> Peer:
    """A peer registered for `parties` whose token C (what it presents to Kubat) is `token`."""
    peer = Peer.objects.create(
        name=parties[0], state=Peer.State.REGISTERED, token_digest=digest(token)
    )
    for key in parties:
        peer.parties.add(services.party_for_key(key=key))
    return peer


def auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Token " + base64.b64encode(token.encode()).decode()}


def call(
    client: Client,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str = "operator-token-c",
    **headers: str,
) -> Any:
    kwargs: dict[str, Any] = {**auth(token), **headers}
    if body is not None:
        kwargs["data"] = json.dumps(body)
        kwargs["content_type"] = "application/json"
    return getattr(client, method.lower())(path, **kwargs)


def connector(cid: str = "1", **over: Any) -> dict[str, Any]:
    out = {
        "id": cid,
        "standard": "GBT_DC",
        "format": "CABLE",
        "power_type": "DC",
        "max_voltage": 750,
        "max_amperage": 80,
        "max_electric_power": 60000,
        "last_updated": "2026-01-01T00:00:00Z",
    }
    return {**out, **over}


def evse(uid: str, *, status: str = "AVAILABLE", **over: Any) -> dict[str, Any]:
    out = {
        "uid": uid,
        "evse_id": f"KG*ABC*E{uid}",
        "status": status,
        "connectors": [connector()],
        "last_updated": "2026-01-01T00:00:00Z",
    }
    return {**out, **over}


def location(lid: str = "BSK1", *, party: str = "KG*ABC", **over: Any) -> dict[str, Any]:
    cc, pid = party.split("*")
    out = {
        "country_code": cc,
        "party_id": pid,
        "id": lid,
        "publish": True,
        "name": "Ala-Too Square",
        "address": "Chui Avenue 1",
        "city": "Bishkek",
        "country": "KGZ",
        "coordinates": {"latitude": "42.874600", "longitude": "74.569800"},
        "evses": [evse("1"), evse("2")],
        "time_zone": "Asia/Bishkek",
        "last_updated": "2026-01-01T00:00:00Z",
    }
    return {**out, **over}


def location_url(lid: str = "BSK1", *rest: str, party: str = "KG*ABC") -> str:
    cc, pid = party.split("*")
    return "/".join([f"{BASE}/receiver/locations/{cc}/{pid}/{lid}", *rest])
