"""The /ocpi endpoints: versions, and for each version (versions.py) its details, credentials,
Locations (receiver, sender) and Tariffs (receiver, sender).

Thin: each handler reads the request, calls a service or selector and wraps the result in a
Reply; transport.endpoint adds authentication, the envelope and the headers, and hands every
handler under /ocpi/{version}/ the `version` it serves, so both versions run the same code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest

from kubat.core.errors import InvalidInput, KubatError, NotFound
from kubat.ocpi import conf, receiver, selectors, services, versions
from kubat.ocpi.errors import MethodNotAllowed
from kubat.ocpi.transport import Caller, Reply, endpoint, json_body, party_guard, routing
from kubat.ocpi.versions import OcpiVersion
from kubat.registry import bounds, wire


def _versions(request: HttpRequest, caller: Caller) -> Reply:
    base = conf.base_url(request)
    # Oldest first, as the specification's example lists them; a client picks the highest.
    numbers = sorted(versions.BY_NUMBER, key=lambda n: tuple(int(p) for p in n.split(".")))
    return Reply([{"version": n, "url": f"{base}/{n}"} for n in numbers])


def _details(request: HttpRequest, caller: Caller, version: OcpiVersion) -> Reply:
    """Module URLs end with a slash: peers that append the object path without a separator
    and peers that add one both reach the module (urls.py routes a doubled slash too)."""
    base = f"{conf.base_url(request)}/{version.number}"
    return Reply(
        {
            "version": version.number,
            "endpoints": [
                {"identifier": identifier, "role": role, "url": f"{base}/{path}"}
                for identifier, role, path in version.modules
            ],
        }
    )


versions_list = endpoint({"GET": _versions}, token_a=frozenset({"GET"}), module=False)
version_details = endpoint({"GET": _details}, token_a=frozenset({"GET"}), module=False)


def _credentials_get(request: HttpRequest, caller: Caller, version: OcpiVersion) -> Reply:
    if caller.token_a:
        raise MethodNotAllowed("not registered: POST your credentials first")
    base = conf.base_url(request)
    return Reply(services.own_credentials(token=caller.token, request_base=base))


def _credentials_post(request: HttpRequest, caller: Caller, version: OcpiVersion) -> Reply:
    base = conf.base_url(request)
    return Reply(
        services.register_peer(
            caller=caller, body=json_body(request), request_base=base, version=version
        )
    )


def _credentials_put(request: HttpRequest, caller: Caller, version: OcpiVersion) -> Reply:
    base = conf.base_url(request)
    return Reply(
        services.update_peer(
            caller=caller, body=json_body(request), request_base=base, version=version
        )
    )


def _credentials_delete(request: HttpRequest, caller: Caller, version: OcpiVersion) -> Reply:
    services.unregister_peer(caller=caller)
    return Reply(None)


credentials = endpoint(
    {
        "GET": _credentials_get,
        "POST": _credentials_post,
        "PUT": _credentials_put,
        "DELETE": _credentials_delete,
    },
    token_a=frozenset({"POST"}),
    module=False,
)


# Receiver role ------------------------------------------------------------------------------


def check_from(request: HttpRequest, caller: Caller) -> None:
    """Routing headers, when sent, must name a party of the caller (spec 4.1.7)."""
    sent = routing(request)
    cc, pid = sent.get("OCPI-from-country-code"), sent.get("OCPI-from-party-id")
    if cc and pid and (cc.upper(), pid.upper()) not in caller.parties:
        raise InvalidInput(
            f"OCPI-from party {cc}*{pid} is not covered by your credentials",
            field="OCPI-from-party-id",
        )


def _receiver_get(request: HttpRequest, caller: Caller, version: OcpiVersion, **keys: str) -> Reply:
    party_pk = receiver.party_of(caller, keys.pop("country_code"), keys.pop("party_id"))
    return Reply(receiver.get_object(party_pk=party_pk, version=version, **keys))


def _bounded(body: Any, keys: dict[str, str]) -> Any:
    """The body, once its values are within what a real charger can have (registry.bounds)."""
    if "connector_id" in keys:
        bounds.check_connector(body)
    elif "evse_uid" in keys:
        bounds.check_evse(body)
    else:
        bounds.check_location(body)
    return body


def _receiver_put(request: HttpRequest, caller: Caller, version: OcpiVersion, **keys: str) -> Reply:
    check_from(request, caller)
    body = _bounded(json_body(request), keys)
    if "connector_id" in keys:
        created = receiver.put_connector(caller=caller, body=body, version=version, **keys)
    elif "evse_uid" in keys:
        created = receiver.put_evse(caller=caller, body=body, version=version, **keys)
    else:
        created = receiver.put_location(caller=caller, body=body, version=version, **keys)
    return _stored(created)


def _stored(created: bool) -> Reply:
    """201 Created for a new object, 200 for an update (spec, status codes chapter)."""
    return Reply(None, http_status=201 if created else 200)


def _receiver_patch(
    request: HttpRequest, caller: Caller, version: OcpiVersion, **keys: str
) -> Reply:
    check_from(request, caller)
    body = _bounded(json_body(request), keys)
    if "connector_id" in keys:
        receiver.patch_connector(caller=caller, body=body, version=version, **keys)
    elif "evse_uid" in keys:
        receiver.patch_evse(caller=caller, body=body, version=version, **keys)
    else:
        receiver.patch_location(caller=caller, body=body, version=version, **keys)
    return Reply(None)


def _lean_receiver_patch(request: HttpRequest, version: OcpiVersion, **keys: str) -> Reply | None:
    """A status-only EVSE PATCH in one round trip: the token checked in the write's own
    statement (docs/decisions/0007). None sends the request the regular way."""
    if request.method != "PATCH" or "evse_uid" not in keys or "connector_id" in keys:
        return None
    guard = party_guard(request, country_code=keys["country_code"], party_id=keys["party_id"])
    if guard is None:
        return None
    try:
        body = json_body(request)
    except KubatError:
        return None
    written = receiver.patch_evse_status_lean(
        guard=guard, location_id=keys["location_id"], evse_uid=keys["evse_uid"], body=body
    )
    if not written:
        return None
    # Who wrote, for the request log line (kubat.ops): the party the statement let write.
    request.ocpi_parties = [f"{keys['country_code'].upper()}*{keys['party_id'].upper()}"]  # type: ignore[attr-defined]
    return Reply(None)


receiver_object = endpoint(
    {"GET": _receiver_get, "PUT": _receiver_put, "PATCH": _receiver_patch},
    lean=_lean_receiver_patch,
)


def _tariff_get(request: HttpRequest, caller: Caller, version: OcpiVersion, **keys: str) -> Reply:
    party_pk = receiver.party_of(caller, keys["country_code"], keys["party_id"])
    return Reply(
        receiver.get_tariff(party_pk=party_pk, tariff_id=keys["tariff_id"], version=version)
    )


def _tariff_put(request: HttpRequest, caller: Caller, version: OcpiVersion, **keys: str) -> Reply:
    check_from(request, caller)
    body = json_body(request)
    return _stored(receiver.put_tariff(caller=caller, body=body, version=version, **keys))


def _tariff_delete(
    request: HttpRequest, caller: Caller, version: OcpiVersion, **keys: str
) -> Reply:
    check_from(request, caller)
    receiver.delete_tariff(caller=caller, **keys)
    return Reply(None)


receiver_tariff = endpoint({"GET": _tariff_get, "PUT": _tariff_put, "DELETE": _tariff_delete})


# Sender role --------------------------------------------------------------------------------


# Nothing in Kubat is older than this: an earlier date_from is refused naming it (2001), as any
# other out-of-range query value is, rather than read (datetime arithmetic on year 1 would
# overflow: the status-history window subtracts from it). A client wanting everything omits it.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Query numbers are offsets and page sizes: bounded so that no SQL integer overflows.
MAX_QUERY_NUMBER = 2**31 - 1


def _when(request: HttpRequest, name: str) -> datetime | None:
    value = request.GET.get(name)
    if not value:
        return None
    when = receiver.parse_datetime(value, field=name)
    if name == "date_from" and when < EPOCH:
        raise InvalidInput(
            "date_from: must be 1970-01-01 or later; omit it to ask for everything",
            field="date_from",
        )
    return when


def _number(request: HttpRequest, name: str, default: int) -> int:
    value = request.GET.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, not {value!r}", field=name) from None
    if number < 0:
        raise InvalidInput(f"{name} must not be negative", field=name)
    if number > MAX_QUERY_NUMBER:
        raise InvalidInput(f"{name} must be at most {MAX_QUERY_NUMBER}", field=name)
    return number


def _paged(request: HttpRequest, version: OcpiVersion, module: str, select: Any) -> Reply:
    """A sender list page with X-Total-Count, X-Limit and a Link to the next page (spec 4.1.3),
    its objects as `version` defines them."""
    date_from, date_to = _when(request, "date_from"), _when(request, "date_to")
    offset = _number(request, "offset", 0)
    limit = min(_number(request, "limit", selectors.DEFAULT_LIMIT), selectors.MAX_LIMIT)
    limit = limit or selectors.DEFAULT_LIMIT
    page, total = select(
        date_from=date_from, date_to=date_to, offset=offset, limit=limit, version=version.number
    )
    headers = {"X-Total-Count": str(total), "X-Limit": str(limit)}
    if offset + len(page) < total:
        params: dict[str, Any] = {k: v for k, v in request.GET.items() if k != "offset"}
        params["offset"] = offset + len(page)
        params["limit"] = limit
        url = f"{conf.base_url(request)}/{version.number}/sender/{module}?{urlencode(params)}"
        headers["Link"] = f'<{url}>; rel="next"'
    return Reply(page, headers=headers)


def _sender_list(request: HttpRequest, caller: Caller, version: OcpiVersion) -> Reply:
    return _paged(request, version, "locations", selectors.list_locations)


def _tariff_list(request: HttpRequest, caller: Caller, version: OcpiVersion) -> Reply:
    return _paged(request, version, "tariffs", selectors.list_tariffs)


def _sender_get(
    request: HttpRequest,
    caller: Caller,
    version: OcpiVersion,
    location_id: str,
    evse_uid: str | None = None,
    connector_id: str | None = None,
) -> Reply:
    sent = routing(request)
    cc, pid = sent.get("OCPI-to-country-code"), sent.get("OCPI-to-party-id")
    location = selectors.published_location(
        location_id=location_id, party=(cc, pid) if cc and pid else None
    )
    if evse_uid is None:
        return Reply(wire.location_to_ocpi(location, version=version.number))
    return Reply(
        receiver.get_object(
            party_pk=location.party_id,
            version=version,
            location_id=location.ocpi_id,
            evse_uid=evse_uid,
            connector_id=connector_id,
        )
    )


sender_list = endpoint({"GET": _sender_list})
sender_tariffs = endpoint({"GET": _tariff_list})
sender_object = endpoint({"GET": _sender_get})


def _no_endpoint(request: HttpRequest, caller: Caller, **kwargs: str) -> Reply:
    raise NotFound(f"no OCPI endpoint at {request.path}; see {conf.base_url(request)}/versions")


_ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Anything else under /ocpi: a 404 in the envelope, not Django's HTML page.
unknown = endpoint(
    dict.fromkeys(_ALL_METHODS, _no_endpoint), token_a=frozenset(_ALL_METHODS), module=False
)
