"""Locations and Tariffs, receiver role (spec 8.2.2, 11.2.2): what operators push to Kubat.

Every function takes the OCPI `version` of the URL it was called at (versions.py): a body is
parsed as that version's object and an object is answered as that version defines it, so a
2.2.1 operator never sees a 2.3.0 field and a 2.3.0 one can push them.

URLs carry {country_code}/{party_id}/{location_id}[/{evse_uid}[/{connector_id}]]. A caller
writes only parties its Token A was issued for (PermissionDenied otherwise); the object in a
PUT must carry the same keys as its URL; `last_updated` orders writes (registry.services); a PATCH
without last_updated is refused. Every write is one transaction that locks the location first.

A pushed location that breaks its country's charging-standard profile is stored all the same:
registry.compliance judges it on every read (API, portal, `kubat check-standards`), so it is
flagged, never dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from pydantic import BaseModel, TypeAdapter, ValidationError

from kubat.core.errors import InvalidInput, NotFound, PermissionDenied
from kubat.ocpi import versions
from kubat.ocpi.transport import Caller, invalid_from
from kubat.ocpi.versions import OcpiVersion
from kubat.protocols.ocpi.v2_2_1.types import DateTime
from kubat.registry import services as registry_services
from kubat.registry import tariffs as registry_tariffs
from kubat.registry import wire
from kubat.registry.enums import Source
from kubat.registry.models import EVSE, Connector, Location, Party
from kubat.registry.services import PartyGuard

M = TypeVar("M", bound=BaseModel)
_datetime = TypeAdapter(DateTime)


def parse_datetime(value: object, *, field: str) -> datetime:
    """An OCPI DateTime from a PATCH body or a query string; InvalidInput naming `field`."""
    try:
        return _datetime.validate_python(value)
    except ValidationError as exc:
        raise invalid_from(exc, prefix=field) from None


FAST_PATCH_KEYS = frozenset({"status", "last_updated"})


def party_of(caller: Caller, country_code: str, party_id: str) -> int:
    """The Party pk behind the URL's keys, if the caller may write it."""
    pk = caller.parties.get((country_code.upper(), party_id.upper()))
    if pk is None:
        raise PermissionDenied(
            f"your credentials do not cover party {country_code}*{party_id}: "
            "an operator writes only its own locations"
        )
    return pk


def parse(model: type[M], body: Any) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise invalid_from(exc) from None


def _same(what: str, url_value: str, body_value: str) -> None:
    if url_value.upper() != body_value.upper():
        raise InvalidInput(
            f"{what} {body_value!r} in the body differs from {url_value!r} in the URL", field=what
        )


def _location(party_pk: int, location_id: str) -> Location:
    location = registry_services.find_location(party=party_pk, location_id=location_id, lock=True)
    if location is None:
        raise NotFound(f"unknown location {location_id}", field="location_id")
    return location


def _evse(location: Location, evse_uid: str) -> EVSE:
    evse = registry_services.find_evse(location=location, uid=evse_uid, lock=True)
    if evse is None:
        raise NotFound(f"unknown EVSE {evse_uid} at location {location.ocpi_id}", field="evse_uid")
    return evse


def _connector(evse: EVSE, connector_id: str) -> Connector:
    found = registry_services.find_connector(evse=evse, connector_id=connector_id)
    if found is None:
        raise NotFound(f"unknown connector {connector_id} of EVSE {evse.uid}", field="connector_id")
    return found


def put_location(
    *,
    caller: Caller,
    country_code: str,
    party_id: str,
    location_id: str,
    body: Any,
    version: OcpiVersion,
) -> bool:
    party_pk = party_of(caller, country_code, party_id)
    obj = parse(version.location, body)
    _same("country_code", country_code, obj.country_code)
    _same("party_id", party_id, obj.party_id)
    _same("id", location_id, obj.id)
    with transaction.atomic():
        _, created = registry_services.save_location(
            party=Party.objects.get(pk=party_pk), data=obj, source=Source.OCPI
        )
    return created


def put_evse(
    *,
    caller: Caller,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    body: Any,
    version: OcpiVersion,
) -> bool:
    party_pk = party_of(caller, country_code, party_id)
    obj = parse(version.evse, body)
    _same("uid", evse_uid, obj.uid)
    with transaction.atomic():
        location = _location(party_pk, location_id)
        _, created = registry_services.put_evse(location=location, data=obj, source=Source.OCPI)
    return created


def put_connector(
    *,
    caller: Caller,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    body: Any,
    version: OcpiVersion,
) -> bool:
    party_pk = party_of(caller, country_code, party_id)
    obj = parse(version.connector, body)
    _same("id", connector_id, obj.id)
    with transaction.atomic():
        location = _location(party_pk, location_id)
        evse = _evse(location, evse_uid)
        _, created = registry_services.put_connector(
            location=location, evse=evse, data=obj, source=Source.OCPI
        )
    return created


def _patch_model(
    version: OcpiVersion, patch: dict[str, Any], *, model: type[BaseModel], nested: str
) -> str:
    """The version whose rendering a PATCH merges into, once it names only fields of its own.

    A PATCH that leaves the `nested` list alone (a location's evses, an EVSE's connectors)
    leaves it as stored, with what its version cannot name (a 2.3.0 MCS plug under a 2.2.1
    PATCH): it merges into the whole stored object, every version's fields. That is as strict
    as its own version, because the fields the versions share are the same objects. A PATCH of
    the list itself replaces it and merges into its version's rendering."""
    if nested in patch or version is versions.NEWEST:
        return version.number
    unknown = sorted(set(patch) - set(model.model_fields))
    if unknown:
        raise InvalidInput(f"{unknown[0]}: not a field of OCPI {version.number}", field=unknown[0])
    return versions.NEWEST.number


def _patch(body: Any) -> dict[str, Any]:
    """A PATCH body: an object with last_updated (spec 8.2.2.3: "SHALL contain last_updated")."""
    if not isinstance(body, dict):
        raise InvalidInput("a PATCH body is a JSON object", field="body")
    if body.get("last_updated") is None:
        raise InvalidInput("a PATCH must carry last_updated", field="last_updated")
    return body


def patch_location(
    *,
    caller: Caller,
    country_code: str,
    party_id: str,
    location_id: str,
    body: Any,
    version: OcpiVersion,
) -> None:
    """The PATCH merges into the stored location (_patch_model says as which version renders
    it); a 2.2.1 PATCH cannot name a 2.3.0 field and leaves those as they are."""
    party_pk = party_of(caller, country_code, party_id)
    patch = _patch(body)
    number = _patch_model(version, patch, model=version.location, nested="evses")
    with transaction.atomic():
        location = _location(party_pk, location_id)
        merged = {**wire.location_to_ocpi(location, version=number), **patch}
        obj = parse(versions.BY_NUMBER[number].location, merged)
        _same("country_code", country_code, obj.country_code)
        _same("party_id", party_id, obj.party_id)
        _same("id", location.ocpi_id, obj.id)
        registry_services.save_location(party=location.party, data=obj, source=Source.OCPI)


def patch_evse_status_lean(
    *, guard: PartyGuard, location_id: str, evse_uid: str, body: Any
) -> bool:
    """patch_evse's status-only PATCH, written in one statement that also checks the caller's
    token (transport.party_guard): True when it was written. Any other body, and any report
    the statement does not apply, is False with nothing written; patch_evse then answers it
    after authentication, with its reason."""
    if not isinstance(body, dict) or body.keys() != FAST_PATCH_KEYS:
        return False
    status, stamp = body["status"], body["last_updated"]
    if not isinstance(status, str) or not isinstance(stamp, str):
        return False
    try:
        at = parse_datetime(stamp, field="last_updated")
    except InvalidInput:
        return False
    return registry_services.record_evse_status_if_allowed(
        guard=guard,
        location_id=location_id,
        evse_uid=evse_uid,
        status=status,
        at=at,
        source=Source.OCPI,
    )


def patch_evse(
    *,
    caller: Caller,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    body: Any,
    version: OcpiVersion,
) -> None:
    """A status-only PATCH takes registry.services.record_evse_status, the lean path; any
    other field merges into the stored EVSE and replaces it."""
    party_pk = party_of(caller, country_code, party_id)
    patch = _patch(body)
    if patch.keys() <= FAST_PATCH_KEYS and "status" in patch:
        status = patch["status"]
        if not isinstance(status, str):
            raise InvalidInput(f"status {status!r} is not an OCPI EVSE status", field="status")
        at = parse_datetime(patch["last_updated"], field="last_updated")
        # No transaction here: record_evse_status is one atomic statement on PostgreSQL and
        # opens its own transaction when it needs more.
        registry_services.record_evse_status(
            party=party_pk,
            location_id=location_id,
            evse_uid=evse_uid,
            status=status,
            at=at,
            source=Source.OCPI,
        )
        return
    number = _patch_model(version, patch, model=version.evse, nested="connectors")
    with transaction.atomic():
        location = _location(party_pk, location_id)
        evse = _evse(location, evse_uid)
        current = wire.evse_to_ocpi(evse, list(evse.connectors.order_by("pk")), number)
        obj = parse(versions.BY_NUMBER[number].evse, {**current, **patch})
        _same("uid", evse.uid, obj.uid)
        registry_services.put_evse(location=location, data=obj, source=Source.OCPI)


def patch_connector(
    *,
    caller: Caller,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    body: Any,
    version: OcpiVersion,
) -> None:
    party_pk = party_of(caller, country_code, party_id)
    patch = _patch(body)
    with transaction.atomic():
        location = _location(party_pk, location_id)
        evse = _evse(location, evse_uid)
        connector = _visible_connector(evse, connector_id, version)
        current = wire.connector_to_ocpi(connector, version.number)
        obj = parse(version.connector, {**current, **patch})
        _same("id", connector.ocpi_id, obj.id)
        registry_services.put_connector(location=location, evse=evse, data=obj, source=Source.OCPI)


def get_object(
    *,
    party_pk: int,
    location_id: str,
    version: OcpiVersion,
    evse_uid: str | None = None,
    connector_id: str | None = None,
) -> dict[str, Any]:
    """The stored Location, EVSE or Connector as `version` defines it (NotFound → 2003; a
    connector whose standard the version cannot name is unknown in it)."""
    location = registry_services.find_location(party=party_pk, location_id=location_id)
    if location is None:
        raise NotFound(f"unknown location {location_id}", field="location_id")
    if evse_uid is None:
        return wire.location_to_ocpi(location, version=version.number)
    evse = registry_services.find_evse(location=location, uid=evse_uid)
    if evse is None:
        raise NotFound(f"unknown EVSE {evse_uid} at location {location_id}", field="evse_uid")
    if connector_id is None:
        return wire.evse_to_ocpi(evse, list(evse.connectors.order_by("pk")), version.number)
    return wire.connector_to_ocpi(_visible_connector(evse, connector_id, version), version.number)


def _visible_connector(evse: EVSE, connector_id: str, version: OcpiVersion) -> Connector:
    """The connector, if `version` can name its standard: one only a later version defines is
    unknown to a peer speaking this one (2003), for a GET and a PATCH alike."""
    connector = _connector(evse, connector_id)
    if not wire.defined_in(version.number, connector):
        raise NotFound(
            f"connector {connector_id} is a {connector.standard}, which OCPI "
            f"{version.number} cannot name",
            field="connector_id",
        )
    return connector


# Tariffs, receiver role (spec 11.2.2): PUT, DELETE and GET of {country_code}/{party_id}/{id}.


def put_tariff(
    *,
    caller: Caller,
    country_code: str,
    party_id: str,
    tariff_id: str,
    body: Any,
    version: OcpiVersion,
) -> bool:
    party_pk = party_of(caller, country_code, party_id)
    obj = parse(version.tariff, body)
    _same("country_code", country_code, obj.country_code)
    _same("party_id", party_id, obj.party_id)
    _same("id", tariff_id, obj.id)
    with transaction.atomic():
        _, created = registry_tariffs.put_tariff(
            party=Party.objects.get(pk=party_pk), data=obj, source=Source.OCPI
        )
    return created


def delete_tariff(*, caller: Caller, country_code: str, party_id: str, tariff_id: str) -> None:
    party_pk = party_of(caller, country_code, party_id)
    with transaction.atomic():
        registry_tariffs.delete_tariff(party=party_pk, tariff_id=tariff_id)


def get_tariff(*, party_pk: int, tariff_id: str, version: OcpiVersion) -> dict[str, Any]:
    """The stored Tariff as `version` defines it (NotFound → 2003)."""
    tariff = registry_tariffs.find_tariff(party=party_pk, tariff_id=tariff_id)
    if tariff is None:
        raise NotFound(f"unknown tariff {tariff_id}", field="tariff_id")
    return wire.tariff_to_ocpi(tariff.body, version=version.number)
