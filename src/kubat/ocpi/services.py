"""OCPI peers and the credentials module (spec chapter 7), Kubat on either side.

Kubat as the server of a registration: the secretariat issues a Token A for a party
(issue_token_a); the operator POSTs its credentials with it (register_peer): Kubat fetches the
operator's versions with the operator's token B, answers with a fresh token C of its own and
forgets Token A. PUT swaps tokens again (update_peer), DELETE unregisters (unregister_peer).
A peer may write only the parties Token A was issued for, whatever roles it claims.
A registration is in the version of the credentials endpoint the peer called (spec: "a POST
initiates the registration process for this endpoint's version", a PUT switches to it): Kubat
reads the peer's details of that version and keeps it as `Peer.version`.

Kubat as the client of a registration lives in `client.py`.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from kubat.core.errors import InvalidInput, NotFound
from kubat.ocpi import conf
from kubat.ocpi.errors import MethodNotAllowed, PeerUnreachable
from kubat.ocpi.models import Peer
from kubat.ocpi.transport import Caller, digest, invalid_from
from kubat.ocpi.versions import OcpiVersion
from kubat.protocols.ocpi.v2_2_1.credentials import Credentials
from kubat.registry import services as registry_services
from kubat.registry.enums import Source
from kubat.registry.models import Party


def new_token() -> str:
    """256 random bits as 43 URL-safe characters: fits OCPI's string(64), printable ASCII.

    Never starting with "-", so that `kubat ocpi register URL --token TOKEN` cannot mistake a
    token for an option (one in 64 plain URL-safe tokens would).
    """
    while (token := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return token


def party_for_key(*, key: str) -> Party:
    """The party `KG*ABC`, created on first sight (an operator may be registered before it has
    any location)."""
    country_code, party_id = registry_services.parse_party_key(key)
    return registry_services.get_or_create_party(
        country_code=country_code, party_id=party_id, source=Source.OCPI
    )


def issue_token_a(*, party_key: str, name: str = "") -> tuple[Peer, str]:
    """A new Token A for the party's peer, returned in plain text once; only its digest is kept.

    A party with a peer already (pending or registered) gets a fresh Token A on that peer, so
    it can register again; an earlier unused Token A stops working.
    """
    party = party_for_key(key=party_key)
    raw = new_token()
    peer = party.ocpi_peers.exclude(state=Peer.State.UNREGISTERED).first()
    if peer is None:
        peer = Peer.objects.create(name=name or party.key)
        peer.parties.add(party)
    peer.token_a_digest = digest(raw)
    peer.save(update_fields=["token_a_digest", "updated_at"])
    return peer, raw


def own_credentials(*, token: str, request_base: str) -> dict[str, Any]:
    """Kubat's credentials object: the token the peer uses, Kubat's versions URL, role NAP."""
    country_code, party_id = conf.own_party()
    return {
        "token": token,
        "url": f"{request_base}/versions",
        "roles": [
            {
                "role": "NAP",
                "business_details": {"name": conf.own_name()},
                "party_id": party_id,
                "country_code": country_code,
            }
        ],
    }


def parse_credentials(body: Any, *, version: OcpiVersion) -> Credentials:
    """The body as `version`'s Credentials object (2.3.0 adds `hub_party_id`); InvalidInput."""
    try:
        return version.credentials.model_validate(body)
    except ValidationError as exc:
        raise invalid_from(exc) from None


def _check_roles(peer: Peer, credentials: Credentials) -> None:
    allowed = {(p.country_code, p.party_id) for p in peer.parties.all()}
    claimed = {(r.country_code.upper(), r.party_id.upper()) for r in credentials.roles}
    if not claimed & allowed:
        keys = ", ".join(sorted(f"{c}*{p}" for c, p in allowed))
        raise InvalidInput(
            f"none of the roles is the party this token was issued for ({keys})", field="roles"
        )


def _fetch_peer(credentials: Credentials, version: OcpiVersion) -> tuple[str, list[dict[str, Any]]]:
    from kubat.ocpi import client

    try:
        return client.discover(
            versions_url=credentials.url, token=credentials.token, versions=(version.number,)
        )
    except client.PeerError as exc:
        raise PeerUnreachable(f"could not use your API at {credentials.url}: {exc}") from None


def register_peer(
    *, caller: Caller, body: Any, request_base: str, version: OcpiVersion
) -> dict[str, Any]:
    """POST credentials with Token A: store the peer's token B, answer with our token C; the
    peer is registered in `version`, the version of the endpoint it POSTed to.

    Raises MethodNotAllowed (already registered; spec 7.2.1 says 405), InvalidInput (2001),
    PeerUnreachable (3001: Kubat could not read the peer's versions with its token).
    """
    peer = Peer.objects.get(pk=caller.peer_id)
    if not caller.token_a:
        raise MethodNotAllowed("already registered: use PUT to update or DELETE to unregister")
    credentials = parse_credentials(body, version=version)
    _check_roles(peer, credentials)
    return _store_registration(
        peer,
        credentials,
        request_base=request_base,
        version=version,
        token_a_digest=digest(caller.token),
    )


def update_peer(
    *, caller: Caller, body: Any, request_base: str, version: OcpiVersion
) -> dict[str, Any]:
    """PUT credentials: new token B from the peer, a new token C from Kubat (spec 7.2.3); the
    peer now speaks `version`, the version of the endpoint it PUT to."""
    peer = Peer.objects.get(pk=caller.peer_id)
    if caller.token_a or peer.state != Peer.State.REGISTERED:
        raise MethodNotAllowed("not registered: POST your credentials with Token A first")
    credentials = parse_credentials(body, version=version)
    _check_roles(peer, credentials)
    return _store_registration(peer, credentials, request_base=request_base, version=version)


def _store_registration(
    peer: Peer,
    credentials: Credentials,
    *,
    request_base: str,
    version: OcpiVersion,
    token_a_digest: str | None = None,
) -> dict[str, Any]:
    """Store the peer's credentials. A registration (`token_a_digest` given) must still hold
    that Token A under the row lock: other workers cache tokens for a few seconds, and a Token
    A is good for one registration only."""
    # The peer's API is read before any write: no transaction is held open across the network.
    number, endpoints = _fetch_peer(credentials, version)
    token_c = new_token()
    with transaction.atomic():
        peer = Peer.objects.select_for_update().get(pk=peer.pk)
        if token_a_digest is not None and peer.token_a_digest != token_a_digest:
            raise MethodNotAllowed("this Token A has been used: PUT to update your credentials")
        peer.their_token = credentials.token
        peer.versions_url = credentials.url
        peer.version = number
        peer.endpoints = endpoints
        peer.roles = [r.model_dump(mode="json", exclude_none=True) for r in credentials.roles]
        peer.token_digest = digest(token_c)
        peer.next_token_digest = None
        peer.token_a_digest = None
        peer.state = Peer.State.REGISTERED
        peer.credentials_at = timezone.now()
        if credentials.roles[0].business_details.name:
            peer.name = credentials.roles[0].business_details.name[:100]
        peer.save()
    return own_credentials(token=token_c, request_base=request_base)


def unregister_peer(*, caller: Caller) -> None:
    """DELETE credentials: both tokens stop working at once (spec 7.2.4)."""
    with transaction.atomic():
        peer = Peer.objects.select_for_update().get(pk=caller.peer_id)
        if caller.token_a or peer.state != Peer.State.REGISTERED:
            raise MethodNotAllowed("not registered")
        forget_registration(peer)


def forget_registration(peer: Peer) -> None:
    """The peer is unregistered: no token of either side works any more (spec 7.2.4)."""
    peer.state = Peer.State.UNREGISTERED
    peer.token_digest = None
    peer.next_token_digest = None
    peer.their_token = ""
    peer.save()


def get_peer(*, party_key: str) -> Peer:
    """The live peer for a party (`NL*XWP`); NotFound, creating nothing, when there is none."""
    party = registry_services.get_party(key=party_key)
    peer = party.ocpi_peers.exclude(state=Peer.State.UNREGISTERED).first()
    if peer is None:
        raise NotFound(f"no OCPI peer for party {party.key}", field="party")
    return peer


def mark_pulled(*, peer: Peer, started_at: Any) -> None:
    Peer.objects.filter(pk=peer.pk).update(pull_from=started_at, last_pulled_at=timezone.now())
