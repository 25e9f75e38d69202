"""Kubat as an OCPI client: discovering a peer, registering with it, pulling its Locations.

Kubat speaks the highest version both sides offer (versions.PREFERRED: 2.3.0, then 2.2.1)
when it registers, and keeps it (`Peer.version`): pulls parse that version's objects and a
renewal stays in it, so a 2.2.1-only peer is served as before.

`register` is the credentials sender side (spec 7.1): Kubat reads the peer's versions with the
Token A the operator gave it, generates token B (stored as a digest, committed before the POST
because the peer calls back with it), POSTs its credentials and keeps the token C it gets.

`pull` mirrors a peer's sender Locations into the registry: pages follow the Link header; a
peer whose Link header is missing or unusable is read on by offset while X-Total-Count (or a
full page) says there is more; transient failures (network, 5xx, 429) are retried with
exponential backoff; each page is its own transaction, and the next pull starts at date_from =
the start of the last complete one, so an interrupted pull is simply run again.

Every URL here comes from someone else (the peer's credentials, its endpoints, its Link
headers), so every request goes through `outbound.PinnedTransport` (see there: resolved once,
non-public addresses refused unless KUBAT_OCPI_ALLOWED_PEER_NETWORKS allows them, no redirect
followed). A PeerError never carries the remote body (status messages, pydantic's echo of the
input): that goes to the log. `discover` on a peer's word (the credentials handshake, answered
to the peer) is *uniform*: one try per request, one deadline, and any failure answered with
the same message after the whole deadline, so a peer cannot tell an open port from a closed one
by the message or the time Kubat took.
"""

from __future__ import annotations

import base64
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext
from pydantic import ValidationError

from kubat.core.errors import InvalidInput
from kubat.ocpi import conf, versions
from kubat.ocpi.models import Peer
from kubat.ocpi.outbound import PinnedTransport
from kubat.ocpi.services import (
    forget_registration,
    get_peer,
    mark_pulled,
    new_token,
    own_credentials,
    party_for_key,
)
from kubat.ocpi.transport import digest
from kubat.ocpi.versions import OcpiVersion
from kubat.protocols.ocpi.v2_2_1.credentials import Credentials, VersionDetails
from kubat.protocols.ocpi.v2_2_1.types import format_datetime
from kubat.registry import bounds
from kubat.registry import services as registry_services
from kubat.registry import tariffs as registry_tariffs
from kubat.registry.enums import Source

logger = logging.getLogger(__name__)

# Tests replace this with an httpx.MockTransport standing in for a remote peer (and so for
# the network, DNS included: the address checks are proved on PinnedTransport itself).
transport: httpx.BaseTransport | None = None
RETRIES = 5
BACKOFF_SECONDS = 0.5
TIMEOUT_SECONDS = 30.0
UNUSABLE = "did not answer as an OCPI 2.3.0 or 2.2.1 platform with the token given"
ALL_VERSIONS = tuple(v.number for v in versions.PREFERRED)


class PeerError(Exception):
    """The peer could not be used: unreachable, an HTTP error, or a malformed OCPI reply."""


def _client(
    token: str, *, to_party: tuple[str, str] | None = None, timeout: float = TIMEOUT_SECONDS
) -> httpx.Client:
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
    return httpx.Client(
        transport=transport or PinnedTransport(),
        timeout=timeout,
        headers=headers,
        follow_redirects=False,
        trust_env=False,
    )


def _call(
    client: httpx.Client, method: str, url: str, *, retries: int = RETRIES, **kwargs: Any
) -> httpx.Response:
    """One request with retries: network errors, 5xx and 429 are retried with backoff."""
    delay = BACKOFF_SECONDS
    for attempt in range(retries):
        try:
            headers = {"X-Request-ID": str(uuid.uuid4())}
            response = client.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            logger.warning("OCPI %s %s: %s", method, url, exc)
            if attempt == retries - 1:
                raise PeerError(
                    gettext("%(method)s %(url)s: network error (%(kind)s)")
                    % {"method": method, "url": url, "kind": type(exc).__name__}
                ) from None
        else:
            if response.status_code < 500 and response.status_code != 429:
                return response
            if attempt == retries - 1:
                raise PeerError(
                    gettext("%(method)s %(url)s: HTTP %(status_code)s")
                    % {"method": method, "url": url, "status_code": response.status_code}
                )
        time.sleep(delay)
        delay *= 2
    raise PeerError(
        gettext("%(method)s %(url)s: no answer") % {"method": method, "url": url}
    )  # pragma: no cover


def _data(response: httpx.Response) -> Any:
    """The `data` of a successful envelope. The remote status_message is logged, never put in
    the PeerError: the error may travel back to whoever named this URL."""
    try:
        body = response.json()
    except ValueError:
        raise PeerError(
            gettext("%(url)s: HTTP %(status_code)s, not JSON")
            % {"url": response.url, "status_code": response.status_code}
        ) from None
    if not isinstance(body, dict) or body.get("status_code") != 1000:
        message = body.get("status_message") if isinstance(body, dict) else None
        code = body.get("status_code") if isinstance(body, dict) else None
        logger.warning("OCPI %s answered %s: %.200r", response.url, code, message)
        shown = code if isinstance(code, int) and not isinstance(code, bool) else "none"
        raise PeerError(
            gettext("%(url)s: HTTP %(status_code)s, OCPI status %(shown)s")
            % {"url": response.url, "status_code": response.status_code, "shown": shown}
        )
    return body.get("data")


def _discover(
    client: httpx.Client, versions_url: str, *, retries: int, wanted: tuple[str, ...]
) -> VersionDetails:
    """The details of the first version in `wanted` (most preferred first) the peer offers."""
    offered = _data(_call(client, "GET", versions_url, retries=retries))
    if not isinstance(offered, list):
        raise PeerError(
            gettext("%(versions_url)s: versions is not a list") % {"versions_url": versions_url}
        )
    urls = {
        v.get("version"): v.get("url")
        for v in offered
        if isinstance(v, dict) and isinstance(v.get("url"), str) and v.get("url")
    }
    number = next((n for n in wanted if n in urls), None)
    if number is None:
        raise PeerError(
            gettext("%(versions_url)s: the peer offers no OCPI %(versions)s")
            % {"versions_url": versions_url, "versions": " / ".join(wanted)}
        )
    url = str(urls[number])
    try:
        details = VersionDetails.model_validate(_data(_call(client, "GET", url, retries=retries)))
    except ValidationError as exc:
        logger.warning("OCPI %s: malformed version details: %s", url, exc)
        raise PeerError(gettext("%(url)s: malformed version details") % {"url": url}) from None
    if details.version != number:
        # Tolerant: the versions list said which version this URL is; its details' own label
        # is the peer's to get right, and the version is what Kubat keeps and speaks.
        logger.warning(
            "OCPI %s: details say version %s, listed as %s", url, details.version, number
        )
        details = details.model_copy(update={"version": number})
    return details


def discover(
    *,
    versions_url: str,
    token: str,
    uniform: bool = True,
    versions: tuple[str, ...] = ALL_VERSIONS,
) -> tuple[str, list[dict[str, Any]]]:
    """The version the peer and Kubat share, the first of `versions` the peer offers (the
    highest, by default), and its endpoints, read with `token`. Raises PeerError,
    RefusedAddress.

    `uniform` (the default: a URL on a peer's word, the answer going back to that peer): one
    try per request within KUBAT_OCPI_PEER_TIMEOUT seconds in all, and every failure is the
    same PeerError, raised when the whole deadline has passed (see the module docstring).
    A refused address is refused at once: that depends on DNS, which the peer sees anyway,
    not on what listens there.
    """
    if not uniform:
        with _client(token) as client:
            details = _discover(client, versions_url, retries=RETRIES, wanted=versions)
        return details.version, [e.model_dump(mode="json") for e in details.endpoints]
    deadline = float(getattr(settings, "KUBAT_OCPI_PEER_TIMEOUT", 10.0))
    started = time.monotonic()
    try:
        with _client(token, timeout=deadline / 2) as client:
            details = _discover(client, versions_url, retries=1, wanted=versions)
    except PeerError as exc:
        logger.warning("OCPI discovery at %s failed: %s", versions_url, exc)
        time.sleep(max(0.0, deadline - (time.monotonic() - started)))
        raise PeerError(UNUSABLE) from None
    return details.version, [e.model_dump(mode="json") for e in details.endpoints]


def _version_of(peer: Peer) -> OcpiVersion:
    """The version Kubat speaks with `peer`: the one it registered in (2.2.1 for a peer
    registered before Kubat spoke 2.3.0, whose version is blank)."""
    return versions.BY_NUMBER.get(peer.version, versions.V2_2_1)


def _credentials_of(data: Any, url: str, version: OcpiVersion) -> Credentials:
    try:
        return version.credentials.model_validate(data)
    except ValidationError as exc:
        logger.warning("OCPI %s: malformed credentials: %s", url, exc)
        raise PeerError(gettext("%(url)s: malformed credentials") % {"url": url}) from None


def register(*, versions_url: str, token_a: str, party_key: str, our_base: str = "") -> Peer:
    """Register Kubat with a peer as the credentials sender, in the highest version both
    offer; returns the registered Peer.

    Raises PeerError (peer unusable), InvalidInput (the peer's answer names another party).
    """
    party = party_for_key(key=party_key)
    our_base = our_base or conf.base_url()
    # The operator typed versions_url and reads the errors: retries and detailed messages.
    number, endpoints = discover(versions_url=versions_url, token=token_a, uniform=False)
    version = versions.BY_NUMBER[number]
    url = next((e["url"] for e in endpoints if e["identifier"] == "credentials"), None)
    if url is None:
        raise PeerError(
            gettext("%(versions_url)s: the peer has no credentials endpoint")
            % {"versions_url": versions_url}
        )
    if not _offers(endpoints, "locations", "SENDER"):
        # Kubat registers with a platform to mirror its Locations; a registration that can
        # never be pulled would sit in `pull --all` failing every quarter of an hour.
        raise InvalidInput(
            gettext(
                "%(versions_url)s advertises no Locations sender: Kubat registers only "
                "with a platform it can pull Locations from"
            )
            % {"versions_url": versions_url},
            field="url",
        )
    token_b = new_token()
    with transaction.atomic():
        peer = party.ocpi_peers.exclude(state=Peer.State.UNREGISTERED).first()
        if peer is None:
            peer = Peer.objects.create(name=party.key)
            peer.parties.add(party)
        peer.token_digest = digest(token_b)
        peer.save()
    with _client(token_a) as client:
        body = own_credentials(token=token_b, request_base=our_base)
        data = _data(_call(client, "POST", url, json=body))
    theirs = _credentials_of(data, url, version)
    claimed = {(r.country_code.upper(), r.party_id.upper()) for r in theirs.roles}
    if (party.country_code, party.party_id) not in claimed:
        raise InvalidInput(
            gettext("the peer's credentials do not name %(party)s") % {"party": party.key},
            field="party",
        )
    # The registration is in the version whose credentials endpoint Kubat POSTed to.
    number, endpoints = discover(
        versions_url=theirs.url, token=theirs.token, uniform=False, versions=(number,)
    )
    with transaction.atomic():
        _keep_credentials(peer, theirs, version=number, endpoints=endpoints)
        peer.token_a_digest = None
        peer.state = Peer.State.REGISTERED
        peer.kubat_registered = True
        peer.save()
    return peer


def _offers(endpoints: list[dict[str, Any]], identifier: str, role: str) -> bool:
    return any(e.get("identifier") == identifier and e.get("role") == role for e in endpoints)


def _keep_credentials(
    peer: Peer, theirs: Credentials, *, version: str, endpoints: list[dict[str, Any]]
) -> None:
    peer.their_token = theirs.token
    peer.versions_url = theirs.url
    peer.version = version
    peer.endpoints = endpoints
    peer.roles = [r.model_dump(mode="json", exclude_none=True) for r in theirs.roles]
    peer.credentials_at = datetime.now(UTC)


def _credentials_url(peer: Peer) -> str:
    url = next((e["url"] for e in peer.endpoints if e.get("identifier") == "credentials"), None)
    if peer.state != Peer.State.REGISTERED or not peer.their_token or not url:
        raise InvalidInput(
            gettext("%(name)s is not registered") % {"name": peer.name}, field="party"
        )
    return str(url)


def renew(*, party_key: str, our_base: str = "") -> Peer:
    """Renew Kubat's credentials with a peer it registered with (spec 7.2.3, PUT): both tokens
    rotate. Raises PeerError (the peer refused or could not be reached), InvalidInput.

    The new token Kubat issues is accepted beside the current one from before the PUT (the peer
    may call Kubat's versions with it while it handles the PUT) until the answer comes: then it
    is the only one. When the PUT fails, the current tokens stay and the new one is dropped,
    so a failed renewal never locks either side out.
    """
    peer = get_peer(party_key=party_key)
    url = _credentials_url(peer)
    version = _version_of(peer)
    our_base = our_base or conf.base_url()
    token_b = new_token()
    Peer.objects.filter(pk=peer.pk).update(next_token_digest=digest(token_b))
    try:
        with _client(peer.their_token) as client:
            body = own_credentials(token=token_b, request_base=our_base)
            data = _data(_call(client, "PUT", url, json=body))
        theirs = _credentials_of(data, url, version)
        # A PUT at this version's credentials endpoint keeps the registration in it.
        number, endpoints = discover(
            versions_url=theirs.url, token=theirs.token, uniform=False, versions=(version.number,)
        )
    except (PeerError, InvalidInput):
        Peer.objects.filter(pk=peer.pk).update(next_token_digest=None)
        raise
    with transaction.atomic():
        peer = Peer.objects.select_for_update().get(pk=peer.pk)
        _keep_credentials(peer, theirs, version=number, endpoints=endpoints)
        peer.token_digest = digest(token_b)
        peer.next_token_digest = None
        peer.save()
    return peer


def unregister(*, party_key: str) -> Peer:
    """Unregister Kubat from a peer (spec 7.2.4, DELETE): afterwards no token of either side
    works. A peer that answers that Kubat is not registered there any more (HTTP 405 or an
    OCPI error) is forgotten all the same; a peer that cannot be reached raises PeerError and
    nothing changes, so the DELETE can be tried again."""
    peer = get_peer(party_key=party_key)
    url = _credentials_url(peer)
    with _client(peer.their_token) as client:
        response = _call(client, "DELETE", url)
    if response.status_code == 200:
        try:
            _data(response)
        except PeerError as exc:
            logger.warning("OCPI %s: DELETE answered with an error (%s); forgetting it", url, exc)
    with transaction.atomic():
        peer = Peer.objects.select_for_update().get(pk=peer.pk)
        forget_registration(peer)
    return peer


def renewal_due(*, max_age: timedelta) -> list[str]:
    """Parties of the peers Kubat registered with whose tokens are older than `max_age`."""
    cutoff = datetime.now(UTC) - max_age
    rows = Peer.objects.filter(state=Peer.State.REGISTERED, kubat_registered=True).filter(
        Q(credentials_at__lt=cutoff) | Q(credentials_at__isnull=True)
    )
    keys: list[str] = []
    for peer in rows.prefetch_related("parties"):
        keys.extend(p.key for p in peer.parties.all()[:1])
    return keys


@dataclass
class PullReport:
    pages: int = 0
    received: int = 0
    saved: int = 0
    older: int = 0
    rejected: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    tariffs: PullReport | None = None
    seen: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "pages": self.pages,
            "received": self.received,
            "saved": self.saved,
            "older_than_stored": self.older,
            "rejected": self.rejected,
        }
        if self.tariffs is not None:
            out["retired"] = self.retired
            out["tariffs"] = self.tariffs.as_dict()
        return out


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


def _parsed(item: Any, model: type[Any], report: PullReport, *, check: Any = None) -> Any:
    """The item as `model`, or None with the reason in the report."""
    where = item.get("id") if isinstance(item, dict) else "?"
    if isinstance(where, str):
        report.seen.add(where.upper())
    try:
        if check is not None:
            check(item)
        return model.model_validate(item)
    except InvalidInput as exc:
        report.rejected.append(f"{where}: {exc.message}")
    except ValidationError as exc:
        report.rejected.append(f"{where}: {exc.errors()[0]['msg']}")
    return None


def _save_objects(
    peer: Peer,
    items: list[Any],
    report: PullReport,
    *,
    model: type[Any],
    save: Callable[..., Any],
    check: Any = None,
) -> None:
    """One pulled page in one transaction: each object parsed as `model` and written by `save`
    (the registry's service for it) under a savepoint, so a refused object is reported and the
    rest of the page still lands; an object of a party the peer does not hold is rejected."""
    parties = {(p.country_code, p.party_id): p for p in peer.parties.all()}
    with transaction.atomic():
        for item in items:
            report.received += 1
            obj = _parsed(item, model, report, check=check)
            if obj is None:
                continue
            party = parties.get((obj.country_code.upper(), obj.party_id.upper()))
            if party is None:
                report.rejected.append(f"{obj.id}: party {obj.country_code}*{obj.party_id}")
                continue
            try:
                with transaction.atomic():
                    save(party=party, data=obj, source=Source.OCPI)
            except registry_services.OutOfOrder:
                report.older += 1
            else:
                report.saved += 1


def _save_page(peer: Peer, items: list[Any], report: PullReport) -> None:
    _save_objects(
        peer,
        items,
        report,
        model=_version_of(peer).location,
        save=registry_services.save_location,
        check=bounds.check_location,
    )


def _save_tariff_page(peer: Peer, items: list[Any], report: PullReport) -> None:
    model = _version_of(peer).tariff
    _save_objects(peer, items, report, model=model, save=registry_tariffs.put_tariff)


def _pages(
    client: httpx.Client,
    url: str,
    params: dict[str, str],
    save: Any,
    peer: Peer,
    report: PullReport,
) -> None:
    """Every page of a sender list, each saved by `save` in its own transaction."""
    current: str | None = f"{url}?{urlencode(params)}"
    while current:
        response = _call(client, "GET", current)
        items = _data(response)
        if not isinstance(items, list):
            raise PeerError(gettext("%(current)s: data is not a list") % {"current": current})
        save(peer, items, report)
        report.pages += 1
        offset = int(dict(parse_qsl(urlsplit(current).query)).get("offset", "0") or 0)
        current = _next_url(response, current=current, offset=offset, got=len(items))


def pull(*, party_key: str, limit: int = 100, full: bool = False) -> PullReport:
    """Mirror the peer's sender Tariffs and Locations into the registry (module docstring).

    A full pull (`full`, or the first one) received every location the peer publishes, so the
    peer's locations it did not send are retired (registry.services.retire_locations): the
    station is gone. An incremental pull (date_from) cannot tell, and retires nothing; nor does
    a pull that failed half-way (PeerError is raised before).
    """
    peer = get_peer(party_key=party_key)
    url = peer.endpoint("locations", "SENDER")
    if peer.state != Peer.State.REGISTERED or not url or not peer.their_token:
        raise InvalidInput(
            gettext("%(party_key)s is not registered or offers no Locations sender")
            % {"party_key": party_key}
        )
    started = datetime.now(UTC)
    whole = full or peer.pull_from is None
    params = {"limit": str(limit), "offset": "0"}
    if not whole and peer.pull_from is not None:
        params["date_from"] = format_datetime(peer.pull_from)
    report = PullReport(tariffs=PullReport())
    party = next(iter(peer.parties.all()))
    with _client(peer.their_token, to_party=(party.country_code, party.party_id)) as client:
        tariffs_url = peer.endpoint("tariffs", "SENDER")
        if tariffs_url and report.tariffs is not None:
            # Tariffs first: the connectors that follow name them (registry rule tariff-known).
            _pages(client, tariffs_url, params, _save_tariff_page, peer, report.tariffs)
        _pages(client, url, params, _save_page, peer, report)
    if whole:
        with transaction.atomic():
            for each in peer.parties.all():
                report.retired += registry_services.retire_locations(
                    party=each, keep=report.seen, source=Source.OCPI
                )
    mark_pulled(peer=peer, started_at=started)
    return report


def registered_party_keys() -> list[str]:
    """Parties of every registered peer that offers a Locations sender (for `pull --all`)."""
    keys: list[str] = []
    for peer in Peer.objects.filter(state=Peer.State.REGISTERED).prefetch_related("parties"):
        if peer.endpoint("locations", "SENDER"):
            keys.extend(p.key for p in peer.parties.all()[:1])
    return keys
