"""Explicit mapping between OCPI Location objects (2.2.1, 2.3.0) and the registry's rows.

The rows hold the union of both versions' fields. Objects in: a 2.3.0 object is a subclass of
its 2.2.1 namesake, and its additions (help_phone, parking_places, EVSE parking and
accepted_service_providers, connector capabilities) are stored when present. Objects out:
`version` says which version's object to build; 2.2.1 leaves the 2.3.0 additions out, and so
the 2.3.0-only connector types are not 2.2.1 values either (the 2.2.1 sender skips such a
connector, the only honest 2.2.1 rendering of a plug 2.2.1 cannot name).

The registry owns it (the protocol package knows nothing of Django); the write path
(`registry.services`) maps objects to columns with it, and the OCPI sender and receiver map rows
back to wire objects.

Optional OCPI fields that were absent stay NULL in the database and absent on the way out, so a
PUT followed by a GET gives back the same object.
"""

from __future__ import annotations

import functools
from typing import Any

from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.protocols.ocpi.v2_2_1.types import format_datetime
from kubat.registry.models import EVSE, Connector, Location


def _dump(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    return value


@functools.cache
def _field_names(cls: Any) -> frozenset[str]:
    """A pydantic class's field names, read once per class (`model_fields` builds its answer
    on each access: a third of the bulk loader's mapping time)."""
    return frozenset(cls.model_fields)


def _later(obj: Any, **empty: Any) -> dict[str, Any]:
    """The columns of fields a later version added, when `obj` is of a version that has them.

    A 2.2.1 object cannot speak of 2.3.0's fields, so writing one leaves those columns as
    they are instead of clearing them."""
    names = _field_names(obj.__class__)
    if not all(name in names for name in empty):
        return {}
    out = {}
    for name, default in empty.items():
        value = _dump(getattr(obj, name))
        out[name] = default if value is None else value
    return out


def location_fields(obj: ocpi.Location) -> dict[str, Any]:
    """Registry Location columns from an OCPI Location (EVSEs are mapped separately)."""
    return {
        "ocpi_id": obj.id,
        "publish": obj.publish,
        "publish_allowed_to": _dump(obj.publish_allowed_to),
        "name": obj.name or "",
        "address": obj.address,
        "city": obj.city,
        "postal_code": obj.postal_code or "",
        "state": obj.state or "",
        "country": obj.country.upper(),
        "latitude": obj.coordinates.latitude,
        "longitude": obj.coordinates.longitude,
        "lat": float(obj.coordinates.latitude),
        "lon": float(obj.coordinates.longitude),
        "related_locations": _dump(obj.related_locations),
        "parking_type": obj.parking_type,
        "directions": _dump(obj.directions),
        "operator": _dump(obj.operator),
        "suboperator": _dump(obj.suboperator),
        "owner": _dump(obj.owner),
        "facilities": _dump(obj.facilities),
        "time_zone": obj.time_zone,
        "opening_times": _dump(obj.opening_times),
        "charging_when_closed": obj.charging_when_closed,
        "images": _dump(obj.images),
        "energy_mix": _dump(obj.energy_mix),
        "last_updated": obj.last_updated,
    } | _later(obj, help_phone="", parking_places=None)


def evse_fields(obj: ocpi.EVSE) -> dict[str, Any]:
    return {
        "uid": obj.uid,
        "evse_id": obj.evse_id,
        "status": obj.status,
        "status_schedule": _dump(obj.status_schedule),
        "capabilities": _dump(obj.capabilities),
        "floor_level": obj.floor_level,
        "latitude": obj.coordinates.latitude if obj.coordinates else None,
        "longitude": obj.coordinates.longitude if obj.coordinates else None,
        "physical_reference": obj.physical_reference,
        "directions": _dump(obj.directions),
        "parking_restrictions": _dump(obj.parking_restrictions),
        "images": _dump(obj.images),
        "last_updated": obj.last_updated,
    } | _later(obj, parking=None, accepted_service_providers=None)


def connector_fields(obj: ocpi.Connector) -> dict[str, Any]:
    return {
        "ocpi_id": obj.id,
        "standard": obj.standard,
        "format": obj.format,
        "power_type": obj.power_type,
        "max_voltage": obj.max_voltage,
        "max_amperage": obj.max_amperage,
        "max_electric_power": obj.max_electric_power,
        "tariff_ids": _dump(obj.tariff_ids),
        "terms_and_conditions": obj.terms_and_conditions,
        "last_updated": obj.last_updated,
    } | _later(obj, capabilities=None)


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


V2_2_1 = "2.2.1"
V2_3_0 = "2.3.0"
ONLY_2_3_0_STANDARDS = frozenset({"MCS", "SAE_J3400"})


def defined_in(version: str, connector: Connector) -> bool:
    """Whether `version` can name this connector's standard (2.2.1 has no MCS, no SAE J3400)."""
    return version != V2_2_1 or connector.standard not in ONLY_2_3_0_STANDARDS


def connector_to_ocpi(connector: Connector, version: str = V2_2_1) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": connector.ocpi_id,
        "standard": connector.standard,
        "format": connector.format,
        "power_type": connector.power_type,
        "max_voltage": connector.max_voltage,
        "max_amperage": connector.max_amperage,
    }
    _put(out, "max_electric_power", connector.max_electric_power)
    _put(out, "tariff_ids", connector.tariff_ids)
    _put(out, "terms_and_conditions", connector.terms_and_conditions)
    if version == V2_3_0:
        _put(out, "capabilities", connector.capabilities)
    out["last_updated"] = format_datetime(connector.last_updated)
    return out


def evse_to_ocpi(evse: EVSE, connectors: list[Connector], version: str = V2_2_1) -> dict[str, Any]:
    out: dict[str, Any] = {"uid": evse.uid}
    _put(out, "evse_id", evse.evse_id)
    out["status"] = evse.status
    _put(out, "status_schedule", evse.status_schedule)
    _put(out, "capabilities", evse.capabilities)
    out["connectors"] = [
        connector_to_ocpi(c, version) for c in connectors if defined_in(version, c)
    ]
    _put(out, "floor_level", evse.floor_level)
    if evse.latitude is not None and evse.longitude is not None:
        out["coordinates"] = {"latitude": evse.latitude, "longitude": evse.longitude}
    _put(out, "physical_reference", evse.physical_reference)
    _put(out, "directions", evse.directions)
    _put(out, "parking_restrictions", evse.parking_restrictions)
    _put(out, "images", evse.images)
    if version == V2_3_0:
        _put(out, "parking", evse.parking)
        _put(out, "accepted_service_providers", evse.accepted_service_providers)
    out["last_updated"] = format_datetime(evse.last_updated)
    return out


def location_to_ocpi(
    location: Location, evses: list[EVSE] | None = None, version: str = V2_2_1
) -> dict[str, Any]:
    """The OCPI Location (of `version`) for a registry location; pass `evses` with connectors
    prefetched. A 2.2.1 Location leaves out an EVSE left with no connector 2.2.1 can name."""
    if evses is None:
        evses = list(location.evses.prefetch_related("connectors").order_by("id"))
    out: dict[str, Any] = {
        "country_code": location.party.country_code,
        "party_id": location.party.party_id,
        "id": location.ocpi_id,
        "publish": location.publish,
    }
    _put(out, "publish_allowed_to", location.publish_allowed_to)
    if location.name:
        out["name"] = location.name
    out["address"] = location.address
    out["city"] = location.city
    if location.postal_code:
        out["postal_code"] = location.postal_code
    if location.state:
        out["state"] = location.state
    out["country"] = location.country
    out["coordinates"] = {"latitude": location.latitude, "longitude": location.longitude}
    _put(out, "related_locations", location.related_locations)
    _put(out, "parking_type", location.parking_type)
    rendered = [
        evse_to_ocpi(e, sorted(e.connectors.all(), key=lambda c: c.pk), version) for e in evses
    ]
    out["evses"] = [e for e in rendered if e["connectors"]]
    _put(out, "directions", location.directions)
    _put(out, "operator", location.operator)
    _put(out, "suboperator", location.suboperator)
    _put(out, "owner", location.owner)
    _put(out, "facilities", location.facilities)
    out["time_zone"] = location.time_zone
    _put(out, "opening_times", location.opening_times)
    _put(out, "charging_when_closed", location.charging_when_closed)
    _put(out, "images", location.images)
    _put(out, "energy_mix", location.energy_mix)
    if version == V2_3_0:
        _put(out, "parking_places", location.parking_places)
        if location.help_phone:
            out["help_phone"] = location.help_phone
    # OCPI: "when this Location or one of its EVSEs or Connectors was last updated"; a status
    # report moves only its EVSE's (registry.services), so the location's is the newest of them.
    newest = max([location.last_updated, *(e.last_updated for e in evses)])
    out["last_updated"] = format_datetime(newest)
    return out


# Tariffs. A tariff's body is kept as it was sent, in its version's shape: a 2.3.0 body always
# has `tax_included` (required there), a 2.2.1 body never (2.2.1 has no such field), so the body
# says which it is. Each version's sender and receiver render it with tariff_to_ocpi.
TAX_INCLUDED = "tax_included"
ONLY_2_3_0_TARIFF_FIELDS = ("tax_included", "preauthorize_amount")


def _components(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for e in body.get("elements", []) for c in e.get("price_components", [])]


def tariff_tax_included(body: dict[str, Any]) -> str:
    """Whether a tariff's amounts include tax, in 2.3.0's words (YES, NO, N/A).

    A 2.3.0 tariff says so. A 2.2.1 tariff's prices exclude VAT by definition and a component
    without `vat` has none: so NO when some component states VAT (it is added on top), N/A when
    none does (2.2.1: "if omitted, no VAT is applicable")."""
    if TAX_INCLUDED in body:
        return str(body[TAX_INCLUDED])
    return "NO" if any(c.get("vat") is not None for c in _components(body)) else "N/A"


def _limit_to_2_3_0(price: dict[str, Any]) -> dict[str, Any]:
    out = {"before_taxes": price["excl_vat"]}
    if "incl_vat" in price:
        out["after_taxes"] = price["incl_vat"]
    return out


def _limit_to_2_2_1(price: dict[str, Any]) -> dict[str, Any]:
    out = {"excl_vat": price["before_taxes"]}
    if "after_taxes" in price:
        out["incl_vat"] = price["after_taxes"]
    return out


def _excluding_vat(element: dict[str, Any]) -> dict[str, Any]:
    """A 2.3.0 element whose prices include tax, with 2.2.1's prices excluding VAT: each price
    divided by its VAT. A component that states no VAT keeps its price (its tax is unknown)."""
    components = []
    for c in element["price_components"]:
        if c.get("vat") is not None:
            c = {**c, "price": round(c["price"] / (1 + c["vat"] / 100), 6)}
        components.append(c)
    return {**element, "price_components": components}


def tariff_to_ocpi(body: dict[str, Any], *, version: str = V2_2_1) -> dict[str, Any]:
    """The stored tariff `body` as `version`'s Tariff object; a body of that version as stored.

    2.2.1 → 2.3.0 is exact: `tax_included` as tariff_tax_included says, min and max prices as
    PriceLimits. 2.3.0 → 2.2.1 leaves out what 2.2.1 cannot say (`tax_included`,
    `preauthorize_amount`), turns PriceLimits into Prices, and when the prices include tax
    divides each by its VAT, because 2.2.1's prices exclude it (so a mirror in either version
    computes the same amounts)."""
    is_2_3_0 = TAX_INCLUDED in body
    out: dict[str, Any] = {}
    if version == V2_3_0:
        if is_2_3_0:
            return dict(body)
        for key, value in body.items():
            out[key] = _limit_to_2_3_0(value) if key in ("min_price", "max_price") else value
            if key == "elements":
                out[TAX_INCLUDED] = tariff_tax_included(body)
        return out
    if not is_2_3_0:
        return dict(body)
    included = body[TAX_INCLUDED] == "YES"
    for key, value in body.items():
        if key in ONLY_2_3_0_TARIFF_FIELDS:
            continue
        if key in ("min_price", "max_price"):
            value = _limit_to_2_2_1(value)
        elif key == "elements" and included:
            value = [_excluding_vat(e) for e in value]
        out[key] = value
    return out
