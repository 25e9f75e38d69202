"""OCPI 2.2.1 transport (spec chapter 4): envelope, token header, request ids, routing headers.

Every /ocpi response, errors included, is the envelope `data, status_code, status_message,
timestamp`. The views are plain Django views, not django-ninja: ninja answers malformed input
with its own 422 body and its auth classes know nothing of OCPI's `Token` scheme, so an OCPI
API would fight it everywhere; and the EVSE status PATCH is the hot path, where its per-request
signature and schema machinery is measurable (bench/ocpi_ingest.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError

from kubat.core.errors import InvalidInput, KubatError, NotAuthenticated
from kubat.ocpi.errors import MethodNotAllowed
from kubat.ocpi.models import Peer
from kubat.protocols.ocpi.v2_2_1.types import format_datetime

SUCCESS = 1000
ROUTING_HEADERS = (
    "OCPI-from-country-code",
    "OCPI-from-party-id",
    "OCPI-to-country-code",
    "OCPI-to-party-id",
)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: a peer and the parties it may write, and whether it used Token A."""

    peer_id: int
    parties: dict[tuple[str, str], int]  # (country_code, party_id) upper-case → Party pk
    token_a: bool
    token: str


@dataclass(slots=True)
class Reply:
    data: Any = None
    http_status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "Success"


# Token → Caller for a few seconds: the status PATCH path then reads no peer row per request.
# A revoked token is refused at once in the process that revoked it and within CACHE_SECONDS
# in the other workers.
CACHE_SECONDS = 10.0
_cache: dict[str, tuple[float, Caller | None]] = {}


def forget_tokens() -> None:
    _cache.clear()


def token_candidates(header: str) -> list[str]:
    """The token in `Authorization: Token <base64(token)>`, or the plain token many peers send.

    2.2.1 requires base64; 2.1.1 sent it plain. A plain token may also be valid base64, so
    both readings are tried.
    """
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        return []
    out = [value]
    try:
        decoded = base64.b64decode(value, validate=True).decode("ascii").strip()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return out
    if decoded and decoded.isprintable() and decoded != value:
        out.insert(0, decoded)
    return out


def _load_caller(candidates: list[str]) -> Caller | None:
    digests = {digest(c): c for c in candidates}
    for peer in Peer.objects.filter(token_digest__in=list(digests)).exclude(
        state=Peer.State.UNREGISTERED
    ):
        return _caller(peer, token=digests[str(peer.token_digest)], token_a=False)
    for peer in Peer.objects.filter(token_a_digest__in=list(digests)):
        return _caller(peer, token=digests[str(peer.token_a_digest)], token_a=True)
    return None


def _caller(peer: Peer, *, token: str, token_a: bool) -> Caller:
    parties = {(p.country_code, p.party_id): p.pk for p in peer.parties.all()}
    return Caller(peer_id=peer.pk, parties=parties, token_a=token_a, token=token)


def authenticate(request: HttpRequest, *, allow_token_a: bool) -> Caller:
    candidates = token_candidates(request.headers.get("Authorization", ""))
    if not candidates:
        raise NotAuthenticated("missing Authorization: Token <base64 token> header")
    key = "\n".join(candidates)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        caller = hit[1]
    else:
        caller = _load_caller(candidates)
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[key] = (now + CACHE_SECONDS, caller)
    if caller is None:
        raise NotAuthenticated("unknown or revoked token")
    if caller.token_a and not allow_token_a:
        raise NotAuthenticated("Token A only opens versions and credentials registration")
    return caller


def envelope(
    data: Any, *, status_code: int = SUCCESS, message: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"data": data, "status_code": status_code}
    if message:
        body["status_message"] = message
    body["timestamp"] = format_datetime(datetime.now(UTC))
    return body


def invalid_from(exc: ValidationError, *, prefix: str = "") -> InvalidInput:
    """A pydantic error as InvalidInput naming the first offending field, dotted (evses.0.uid)."""
    errors = exc.errors(include_url=False)
    parts = []
    for error in errors[:10]:
        where = ".".join(str(p) for p in (prefix, *error["loc"]) if p != "")
        parts.append(f"{where or 'body'}: {error['msg']}")
    first = ".".join(str(p) for p in (prefix, *errors[0]["loc"]) if p != "") if errors else ""
    return InvalidInput("; ".join(parts), field=first or "body")


def json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"body is not JSON: {exc}", field="body") from None


def routing(request: HttpRequest) -> dict[str, str]:
    return {h: request.headers[h] for h in ROUTING_HEADERS if request.headers.get(h)}


def _response(request: HttpRequest, reply: Reply, body: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, separators=(",", ":")),
        status=reply.http_status,
        content_type="application/json",
    )
    response["X-Request-ID"] = request.headers.get("X-Request-ID") or str(uuid.uuid4())
    response["X-Correlation-ID"] = request.headers.get("X-Correlation-ID") or str(uuid.uuid4())
    # A reply travels back: the caller's "from" is the reply's "to" (spec 4.1.7).
    sent = routing(request)
    for side, other in (("from", "to"), ("to", "from")):
        for part in ("country-code", "party-id"):
            if f"OCPI-{side}-{part}" in sent:
                response[f"OCPI-{other}-{part}"] = sent[f"OCPI-{side}-{part}"]
    for name, value in reply.headers.items():
        response[name] = value
    return response


Handler = Callable[..., Reply]


def endpoint(
    handlers: dict[str, Handler], *, token_a: frozenset[str] = frozenset()
) -> Callable[..., HttpResponse]:
    """A view serving `handlers` by HTTP method, each called as handler(request, caller, **kw).

    `token_a` names the methods that accept Token A (versions and the credentials POST).
    KubatErrors become the envelope with their OCPI status and HTTP status; a bug stays a 500.
    """

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        try:
            handler = handlers.get(request.method or "")
            if handler is None:
                raise MethodNotAllowed(f"{request.method} is not served here")
            caller = authenticate(request, allow_token_a=request.method in token_a)
            # Who called, for the request log line (kubat.ops): the parties, never the token.
            request.ocpi_parties = sorted(f"{c}*{p}" for c, p in caller.parties)  # type: ignore[attr-defined]
            reply = handler(request, caller, **kwargs)
            body = envelope(reply.data, message=reply.message)
        except KubatError as exc:
            reply = Reply(http_status=exc.http_status)
            message = f"{exc.field}: {exc.message}" if exc.field else exc.message
            if exc.field and exc.message.startswith(f"{exc.field}:"):
                message = exc.message
            body = envelope(None, status_code=exc.ocpi_status, message=message)
            if isinstance(exc, NotAuthenticated):
                reply.headers["WWW-Authenticate"] = "Token"
            if isinstance(exc, MethodNotAllowed):
                reply.headers["Allow"] = ", ".join(sorted(handlers))
        return _response(request, reply, body)

    return view
