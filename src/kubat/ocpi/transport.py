"""OCPI transport (spec chapter 4, the same in 2.2.1 and 2.3.0): envelope, token header,
request ids, routing headers.

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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError

from kubat.core import jsonguard, prepared
from kubat.core.errors import Conflict, InvalidInput, KubatError, NotAuthenticated
from kubat.ocpi import versions
from kubat.ocpi.errors import MalformedBody, MethodNotAllowed
from kubat.ocpi.models import Peer
from kubat.protocols.ocpi.v2_2_1.types import format_datetime
from kubat.registry.services import PartyGuard

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


_CALLER_SQL = """
SELECT p.id, p.token_digest, p.token_a_digest, pa.country_code, pa.party_id, pa.id, p.state,
       p.next_token_digest
FROM ocpi_peer p
LEFT JOIN ocpi_peer_parties pp ON pp.peer_id = p.id
LEFT JOIN registry_party pa ON pa.id = pp.party_id
WHERE ((p.token_digest IN (%(d1)s, %(d2)s) OR p.next_token_digest IN (%(d1)s, %(d2)s))
       AND p.state <> %(unregistered)s)
   OR p.token_a_digest IN (%(d1)s, %(d2)s)
"""


def _load_caller(candidates: list[str]) -> Caller | None:
    """The caller whose token (B/C, else a pending Token A) is among `candidates`, read from
    the database in one prepared statement (peer and its parties), so a revoked token fails at
    once in every process: there is no cache to outlive a revocation. Every OCPI request runs
    it, hence SQL planned once per connection rather than an ORM query built per request (the
    ORM's version cost more than the status write itself on the ingest bench)."""
    digests = {digest(c): c for c in candidates[:2]}
    d1, *rest = list(digests)
    rows = prepared.fetch(
        _CALLER_SQL,
        {"d1": d1, "d2": rest[0] if rest else d1, "unregistered": Peer.State.UNREGISTERED},
    )
    by_peer: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_peer.setdefault(row[0], []).append(row)
    # Token B/C before Token A, as before: a live registration wins over a pending one. The
    # token Kubat is rotating to (client.renew) counts as B/C: the peer may call back with it
    # during the PUT, before Kubat knows the PUT succeeded.
    for token_a in (False, True):
        for peer_id, found in sorted(by_peer.items()):
            live = token_a or found[0][6] != Peer.State.UNREGISTERED
            held_all = (found[0][2],) if token_a else (found[0][1], found[0][7])
            held = next((h for h in held_all if h in digests), None)
            if held is not None and live:
                parties = {(r[3], r[4]): r[5] for r in found if r[5] is not None}
                return Caller(
                    peer_id=peer_id, parties=parties, token_a=token_a, token=digests[held]
                )
    return None


_GUARD_SQL = """
SELECT pa.id FROM registry_party pa
JOIN ocpi_peer_parties pp ON pp.party_id = pa.id
JOIN ocpi_peer p ON p.id = pp.peer_id
WHERE pa.country_code = %(g_cc)s AND pa.party_id = %(g_pid)s
  AND (p.token_digest IN (%(g_d1)s, %(g_d2)s) OR p.next_token_digest IN (%(g_d1)s, %(g_d2)s))
  AND p.state <> %(g_unregistered)s{from_check}
LIMIT 1
"""
_FROM_CHECK = """
  AND EXISTS (
    SELECT 1 FROM ocpi_peer_parties fp JOIN registry_party fa ON fa.id = fp.party_id
    WHERE fp.peer_id = p.id AND fa.country_code = %(g_fcc)s AND fa.party_id = %(g_fpid)s
  )"""
_GUARD = _GUARD_SQL.format(from_check="")
_GUARD_FROM = _GUARD_SQL.format(from_check=_FROM_CHECK)


def party_guard(request: HttpRequest, *, country_code: str, party_id: str) -> PartyGuard | None:
    """The caller's right to write party country_code*party_id as SQL (registry.services'
    PartyGuard), for a write that checks it in its own statement: a live Token B/C (or the
    token Kubat rotates to) of a peer holding that party, and, when routing headers name the
    sender, holding that one too (check_from). None when the request carries no token; a
    request the guard refuses goes the regular way, which says why."""
    candidates = token_candidates(request.headers.get("Authorization", ""))
    if not candidates:
        return None
    d1, *rest = [digest(c) for c in candidates[:2]]
    params: dict[str, object] = {
        "g_cc": country_code.upper(),
        "g_pid": party_id.upper(),
        "g_d1": d1,
        "g_d2": rest[0] if rest else d1,
        "g_unregistered": Peer.State.UNREGISTERED,
    }
    sent = routing(request)
    cc, pid = sent.get("OCPI-from-country-code"), sent.get("OCPI-from-party-id")
    if not (cc and pid):
        return PartyGuard(sql=_GUARD, params=params)
    return PartyGuard(
        sql=_GUARD_FROM, params={**params, "g_fcc": cc.upper(), "g_fpid": pid.upper()}
    )


def authenticate(request: HttpRequest, *, allow_token_a: bool) -> Caller:
    candidates = token_candidates(request.headers.get("Authorization", ""))
    if not candidates:
        raise NotAuthenticated("missing Authorization: Token <base64 token> header")
    caller = _load_caller(candidates)
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
    """The body parsed within core.jsonguard's bounds (depth, number range): InvalidInput
    (2001) naming the field otherwise. BoundedBodyMiddleware has parsed it already, mostly."""
    parsed = getattr(request, "_kubat_json", _UNPARSED)
    if parsed is not _UNPARSED:
        return parsed
    try:
        return jsonguard.loads(request.body)
    except InvalidInput as exc:
        raise MalformedBody(exc.message, field=exc.field) from None


_UNPARSED = object()


class BoundedBodyMiddleware:
    """On /ocpi: an over-size body gets 413 and over-deep or out-of-range JSON 2001, in the
    envelope, before any other middleware reads the body (core.jsonguard.body_problem)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/ocpi/"):
            # Before LocaleMiddleware and outside endpoint(): the wire's English set here too,
            # not whichever language this thread served last.
            with translation.override(settings.LANGUAGE_CODE):
                problem = jsonguard.body_problem(request)
                if problem is not None:
                    reply = Reply(http_status=problem.http_status)
                    response = _response(request, reply, _error_body(problem))
                    response["Content-Language"] = settings.LANGUAGE_CODE
                    return response
        return self.get_response(request)


def _error_body(exc: KubatError) -> dict[str, Any]:
    message = f"{exc.field}: {exc.message}" if exc.field else exc.message
    if exc.field and exc.message.startswith(f"{exc.field}:"):
        message = exc.message
    return envelope(None, status_code=exc.ocpi_status, message=message)


def routing(request: HttpRequest) -> dict[str, str]:
    return {h: request.headers[h] for h in ROUTING_HEADERS if request.headers.get(h)}


def http_status_of(exc: KubatError) -> int:
    """The HTTP status of a refusal on /ocpi. A request that reached the OCPI layer (its body
    is JSON, its URL an endpoint) MUST NOT get an HTTP error (spec, status codes chapter):
    an invalid object or an out-of-order update is HTTP 200 with the OCPI code (2001, 2000).
    A body that is not JSON is the transport's 400; authentication, permission, unknown objects
    and methods keep their HTTP status (401, 403, 404, 405), as the spec's examples do."""
    if isinstance(exc, MalformedBody):
        return 400
    if isinstance(exc, InvalidInput | Conflict):
        return 200
    return exc.http_status


def _response(
    request: HttpRequest, reply: Reply, body: dict[str, Any], *, module: bool = False
) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, separators=(",", ":")),
        status=reply.http_status,
        content_type="application/json",
    )
    response["X-Request-ID"] = request.headers.get("X-Request-ID") or str(uuid.uuid4())
    response["X-Correlation-ID"] = request.headers.get("X-Correlation-ID") or str(uuid.uuid4())
    # A reply travels back: the caller's "from" is the reply's "to" (spec 4.1.7). Only
    # functional modules route: versions and credentials are between the two platforms
    # themselves, and the spec says they carry no routing headers.
    sent = routing(request) if module else {}
    for side, other in (("from", "to"), ("to", "from")):
        for part in ("country-code", "party-id"):
            if f"OCPI-{side}-{part}" in sent:
                response[f"OCPI-{other}-{part}"] = sent[f"OCPI-{side}-{part}"]
    for name, value in reply.headers.items():
        response[name] = value
    return response


Handler = Callable[..., Reply]
# Tries a request before authentication, in one statement that checks the token itself;
# returns None when it did nothing, and the request takes the regular way.
Lean = Callable[..., Reply | None]


def endpoint(
    handlers: dict[str, Handler],
    *,
    token_a: frozenset[str] = frozenset(),
    module: bool = True,
    lean: Lean | None = None,
) -> Callable[..., HttpResponse]:
    """A view serving `handlers` by HTTP method, each called as handler(request, caller, **kw).

    `token_a` names the methods that accept Token A (versions and the credentials POST).
    `module` is False for versions and credentials: no routing headers in their responses.
    `lean`, called as lean(request, **kw) before authentication, may answer a request whose
    write checks the caller's token in its own statement (the status PATCH).
    A `version` URL keyword (urls.py routes each version's URLs with it) reaches the handler
    as its versions.OcpiVersion, so one handler serves every version.
    KubatErrors become the envelope with their OCPI status and the HTTP status of
    http_status_of; a bug stays a 500.
    """

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        # The wire speaks English whatever Accept-Language a peer sends: status_message is read
        # by another platform's software and logs, and the registry's refusals it carries are
        # translated for people on Kubat's own pages and API.
        with translation.override(settings.LANGUAGE_CODE):
            response = _serve(request, kwargs)
        response["Content-Language"] = settings.LANGUAGE_CODE
        return response

    def _serve(request: HttpRequest, kwargs: dict[str, Any]) -> HttpResponse:
        if "version" in kwargs:  # set by urls.py, never by the client: always a known version
            kwargs["version"] = versions.BY_NUMBER[kwargs["version"]]
        try:
            reply = lean(request, **kwargs) if lean is not None else None
            if reply is not None:
                return _response(request, reply, envelope(reply.data), module=module)
            handler = handlers.get(request.method or "")
            if handler is None:
                raise MethodNotAllowed(f"{request.method} is not served here")
            caller = authenticate(request, allow_token_a=request.method in token_a)
            # Who called, for the request log line (kubat.ops): the parties, never the token.
            request.ocpi_parties = sorted(f"{c}*{p}" for c, p in caller.parties)  # type: ignore[attr-defined]
            reply = handler(request, caller, **kwargs)
            body = envelope(reply.data, message=reply.message)
        except KubatError as exc:
            reply = Reply(http_status=http_status_of(exc))
            body = _error_body(exc)
            if isinstance(exc, NotAuthenticated):
                reply.headers["WWW-Authenticate"] = "Token"
            if isinstance(exc, MethodNotAllowed):
                reply.headers["Allow"] = ", ".join(sorted(handlers))
        return _response(request, reply, body, module=module)

    return view
