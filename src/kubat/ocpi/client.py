"""Kubat as an OCPI client: discovering a peer, registering with it, pulling its Locations.

`register` is the credentials sender side (spec 7.1): Kubat reads the peer's versions with the
Token A the operator gave it, generates token B (stored as a digest, committed before the POST
because the peer calls back with it), POSTs its credentials and keeps the token C it gets.

`pull` mirrors a peer's sender Locations into the registry: pages follow the Link header; a
peer whose Link header is missing or unusable is read on by offset while X-Total-Count (or a
full page) says there is more; transient failures (network, 5xx, 429) are retried with
exponential backoff; each page is its own transaction, and the next pull starts at date_from =
the start of the last complete one, so an interrupted pull is simply run again.
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from django.db import transaction
from pydantic import ValidationError

from kubat.core.errors import InvalidInput
from kubat.ocpi import conf
from kubat.ocpi.models import Peer
from kubat.ocpi.services import get_peer, mark_pulled, new_token, own_credentials, party_for_key
from kubat.ocpi.transport import digest, forget_tokens
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.protocols.ocpi.v2_2_1.credentials import Credentials, VersionDetails
from kubat.protocols.ocpi.v2_2_1.types import format_datetime
from kubat.registry import services as registry_services
from kubat.registry.enums import Source

# Tests replace this with an httpx.MockTransport standing in for a remote peer.
transport: httpx.BaseTransport | None = None
RETRIES = 5
BACKOFF_SECONDS = 0.5
TIMEOUT_SECONDS = 30.0


class PeerError(Exception):
    """The peer could not be used: unreachable, an HTTP error, or a malformed OCPI reply."""


def _client(token: str, *, to_party: tuple[str, str] | None = None) -> httpx.Client:
    """A client that sends what 2.2.1 asks of every request: the base64 token, a correlation id
    for the whole exchange (and a request id per request, in _call), and, for module calls,
    the routing headers naming Kubat and the peer's party."""
    encoded = base64.b64encode(token.encode()).decode()
    headers = {
        "Authorization": f"Token {encoded}",
        "Accept": "application/json",
        "X-Correlation-ID": str(uuid.uuid4()),
    }
    if to_party is not None:
        country_code, party_id = conf.own_party()
        headers["OCPI-from-country-code"] = country_code
        headers["OCPI-from-party-id"] = party_id
        headers["OCPI-to-country-code"], headers["OCPI-to-party-id"] = to_party
    return httpx.Client(transport=transport, timeout=TIMEOUT_SECONDS, headers=headers)


def _call(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request with retries: network errors, 5xx and 429 are retried with backoff."""
    delay = BACKOFF_SECONDS
    for attempt in range(RETRIES):
        try:
            headers = {"X-Request-ID": str(uuid.uuid4())}
            response = client.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            if attempt == RETRIES - 1:
                raise PeerError(f"{method} {url}: {exc}") from None
        else:
            if response.status_code < 500 and response.status_code != 429:
                return response
            if attempt == RETRIES - 1:
                raise PeerError(f"{method} {url}: HTTP {response.status_code}")
        time.sleep(delay)
        delay *= 2
    raise PeerError(f"{method} {url}: no answer")  # pragma: no cover


def _data(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        raise PeerError(f"{response.url}: HTTP {response.status_code}, not JSON") from None
    if not isinstance(body, dict) or body.get("status_code") != 1000:
        message = body.get("status_message") if isinstance(body, dict) else None
        code = body.get("status_code") if isinstance(body, dict) else None
        raise PeerError(
            f"{response.url}: HTTP {response.status_code}, OCPI {code} {message or ''}".strip()
        )
    return body.get("data")


def discover(*, versions_url: str, token: str) -> tuple[str, list[dict[str, Any]]]:
    """The peer's 2.2.1 endpoints, read with `token`. Raises PeerError."""
    with _client(token) as client:
        versions = _data(_call(client, "GET", versions_url))
        if not isinstance(versions, list):
            raise PeerError(f"{versions_url}: versions is not a list")
        url = next((v.get("url") for v in versions if v.get("version") == "2.2.1"), None)
        if not url:
            raise PeerError(f"{versions_url}: the peer offers no OCPI 2.2.1")
        try:
            details = VersionDetails.model_validate(_data(_call(client, "GET", url)))
        except ValidationError as exc:
            raise PeerError(f"{url}: malformed version details: {exc}") from None
    return details.version, [e.model_dump(mode="json") for e in details.endpoints]


def register(*, versions_url: str, token_a: str, party_key: str, our_base: str = "") -> Peer:
    """Register Kubat with a peer as the credentials sender; returns the registered Peer.

    Raises PeerError (peer unusable), InvalidInput (the peer's answer names another party).
    """
    party = party_for_key(key=party_key)
    our_base = our_base or conf.base_url()
    _, endpoints = discover(versions_url=versions_url, token=token_a)
    url = next((e["url"] for e in endpoints if e["identifier"] == "credentials"), None)
    if url is None:
        raise PeerError(f"{versions_url}: the peer has no credentials endpoint")
    token_b = new_token()
    with transaction.atomic():
        peer = party.ocpi_peers.exclude(state=Peer.State.UNREGISTERED).first()
        if peer is None:
            peer = Peer.objects.create(name=party.key)
            peer.parties.add(party)
        peer.token_digest = digest(token_b)
        peer.save()
    forget_tokens()
    with _client(token_a) as client:
        body = own_credentials(token=token_b, request_base=our_base)
        data = _data(_call(client, "POST", url, json=body))
    try:
        theirs = Credentials.model_validate(data)
    except ValidationError as exc:
        raise PeerError(f"{url}: malformed credentials: {exc}") from None
    claimed = {(r.country_code.upper(), r.party_id.upper()) for r in theirs.roles}
    if (party.country_code, party.party_id) not in claimed:
        raise InvalidInput(f"the peer's credentials do not name {party.key}", field="party")
    version, endpoints = discover(versions_url=theirs.url, token=theirs.token)
    with transaction.atomic():
        peer.their_token = theirs.token
        peer.versions_url = theirs.url
        peer.version = version
        peer.endpoints = endpoints
        peer.roles = [r.model_dump(mode="json", exclude_none=True) for r in theirs.roles]
        peer.token_a_digest = None
        peer.state = Peer.State.REGISTERED
        peer.save()
    return peer


@dataclass
class PullReport:
    pages: int = 0
    received: int = 0
    saved: int = 0
    older: int = 0
    rejected: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "received": self.received,
            "saved": self.saved,
            "older_than_stored": self.older,
            "rejected": self.rejected,
        }


def _with_offset(url: str, offset: int, limit: int) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["offset"], query["limit"] = str(offset), str(limit)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _next_url(response: httpx.Response, *, current: str, offset: int, got: int) -> str | None:
    link = response.links.get("next", {}).get("url")
    if link and link != current and urlsplit(link).scheme in ("http", "https"):
        return str(link)
    total = response.headers.get("X-Total-Count", "")
    limit = int(response.headers.get("X-Limit", "0") or 0) or got
    more = (offset + got < int(total)) if total.isdigit() else (got > 0 and got >= limit)
    if not more or got == 0:
        return None
    return _with_offset(current, offset + got, limit)


def _save_page(peer: Peer, items: list[Any], report: PullReport) -> None:
    parties = {(p.country_code, p.party_id): p for p in peer.parties.all()}
    with transaction.atomic():
        for item in items:
            report.received += 1
            try:
                obj = ocpi.Location.model_validate(item)
            except ValidationError as exc:
                where = item.get("id") if isinstance(item, dict) else "?"
                report.rejected.append(f"{where}: {exc.errors()[0]['msg']}")
                continue
            party = parties.get((obj.country_code.upper(), obj.party_id.upper()))
            if party is None:
                report.rejected.append(f"{obj.id}: party {obj.country_code}*{obj.party_id}")
                continue
            try:
                with transaction.atomic():
                    registry_services.save_location(party=party, data=obj, source=Source.OCPI)
            except registry_services.OutOfOrder:
                report.older += 1
            else:
                report.saved += 1


def pull(*, party_key: str, limit: int = 100, full: bool = False) -> PullReport:
    """Mirror the peer's sender Locations into the registry (see the module docstring)."""
    peer = get_peer(party_key=party_key)
    url = peer.endpoint("locations", "SENDER")
    if peer.state != Peer.State.REGISTERED or not url or not peer.their_token:
        raise InvalidInput(f"{party_key} is not registered or offers no Locations sender")
    started = datetime.now(UTC)
    params = {"limit": str(limit), "offset": "0"}
    if peer.pull_from and not full:
        params["date_from"] = format_datetime(peer.pull_from)
    current: str | None = f"{url}?{urlencode(params)}"
    report = PullReport()
    party = next(iter(peer.parties.all()))
    with _client(peer.their_token, to_party=(party.country_code, party.party_id)) as client:
        while current:
            response = _call(client, "GET", current)
            items = _data(response)
            if not isinstance(items, list):
                raise PeerError(f"{current}: data is not a list")
            _save_page(peer, items, report)
            report.pages += 1
            offset = int(dict(parse_qsl(urlsplit(current).query)).get("offset", "0") or 0)
            current = _next_url(response, current=current, offset=offset, got=len(items))
    mark_pulled(peer=peer, started_at=started)
    return report


def registered_party_keys() -> list[str]:
    """Parties of every registered peer that offers a Locations sender (for `pull --all`)."""
    keys: list[str] = []
    for peer in Peer.objects.filter(state=Peer.State.REGISTERED).prefetch_related("parties"):
        if peer.endpoint("locations", "SENDER"):
            keys.extend(p.key for p in peer.parties.all()[:1])
    return keys
