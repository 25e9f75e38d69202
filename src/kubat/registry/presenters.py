"""Plain-dict views of registry rows for the API, the exports and the pages.

One place decides what a public location looks like, so /api/v1, the GeoJSON download and the
portal never disagree.
"""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kubat.registry import pricing, publicity
from kubat.registry import tariffs as registry_tariffs
from kubat.registry.derived import connector_power_kw
from kubat.registry.models import EVSE, Connector, Location
from kubat.registry.selectors import ListRow, Total, TotalKind, status_counts


def total_label(total: Total) -> str:
    """A search's total as a person reads it, in the active language: "1 234", "about 23 000"
    or "more than 1 000" (registry.selectors.Total says which)."""
    count = number_format(total.value, force_grouping=True)
    if total.kind == TotalKind.ABOUT:
        return _("about %(count)s") % {"count": count}
    if total.kind == TotalKind.MORE_THAN:
        return _("more than %(count)s") % {"count": count}
    return count


def connector_dict(connector: Connector) -> dict[str, Any]:
    return {
        "id": connector.ocpi_id,
        "standard": connector.standard,
        "format": connector.format,
        "power_type": connector.power_type,
        "max_voltage": connector.max_voltage,
        "max_amperage": connector.max_amperage,
        "max_electric_power": connector.max_electric_power,
        "power_kw": connector_power_kw(
            power_type=connector.power_type,
            max_voltage=connector.max_voltage,
            max_amperage=connector.max_amperage,
            max_electric_power=connector.max_electric_power,
        ),
        "last_updated": connector.last_updated,
    }


def evse_price(
    *,
    power_types: list[str],
    tariff_ids: list[list[Any] | None],
    tariffs: dict[str, dict[str, Any]],
) -> dict[str, Any] | None:
    """An EVSE's reference-session price from its connectors' power types and tariff ids (one
    list per connector, as stored): DC when any connector is (registry.pricing)."""
    return pricing.evse_price(
        dc=any(p == "DC" for p in power_types),
        tariff_ids=[str(t) for ids in tariff_ids for t in ids or []],
        tariffs=tariffs,
    )


def evse_dict(evse: EVSE, tariffs: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """An EVSE; with its party's `tariffs`, its reference-session price (registry.pricing)."""
    connectors = list(evse.connectors.all())
    price = None
    if tariffs:
        price = evse_price(
            power_types=[c.power_type for c in connectors],
            tariff_ids=[c.tariff_ids for c in connectors],
            tariffs=tariffs,
        )
    return {
        "uid": evse.uid,
        "evse_id": evse.evse_id,
        "status": evse.status,
        "max_power_kw": evse.max_power_kw,
        "capabilities": evse.capabilities or [],
        "physical_reference": evse.physical_reference,
        "floor_level": evse.floor_level,
        "connectors": [connector_dict(c) for c in connectors],
        "accepted_service_providers": evse.accepted_service_providers or [],
        "price": price,
        "last_updated": evse.last_updated,
    }


def connector_standards(location: Location) -> list[str]:
    return sorted(
        {
            c.standard
            for e in location.evses.all()
            if e.status != "REMOVED"
            for c in e.connectors.all()
        }
    )


def location_summary(location: Location, distance_km: float | None = None) -> dict[str, Any]:
    """The list form: everything a map marker or a result row needs."""
    operator = (location.operator or {}).get("name") or location.party.name
    return {
        "id": location.pk,
        "ocpi_id": location.ocpi_id,
        "party": location.party.key,
        "operator": operator,
        "name": location.name,
        "address": location.address,
        "city": location.city,
        "postal_code": location.postal_code,
        "region": location.region,
        "country": location.country,
        "country_code": location.country_code,
        "latitude": location.lat,
        "longitude": location.lon,
        "max_power_kw": location.max_power_kw,
        "charging_class": location.charging_class or None,
        "evse_count": location.evse_count,
        "status_counts": status_counts(location),
        "connector_standards": connector_standards(location),
        "publicity": publicity.of(location).value,
        "source": location.source,
        "last_updated": location.last_updated,
        "distance_km": distance_km,
    }


def row_summary(row: ListRow, distance_km: float | None = None) -> dict[str, Any]:
    """The list form of a search row read as plain values (selectors.search_location_rows):
    exactly what location_summary makes of the same location loaded as a Location."""
    v = row.values
    return {
        "id": v["id"],
        "ocpi_id": v["ocpi_id"],
        "party": row.party_key,
        "operator": (v["operator"] or {}).get("name") or row.party_name,
        "name": v["name"],
        "address": v["address"],
        "city": v["city"],
        "postal_code": v["postal_code"],
        "region": v["region"],
        "country": v["country"],
        "country_code": v["country_code"],
        "latitude": v["lat"],
        "longitude": v["lon"],
        "max_power_kw": v["max_power_kw"],
        "charging_class": v["charging_class"] or None,
        "evse_count": v["evse_count"],
        "status_counts": row.status_counts,
        "connector_standards": row.connector_standards,
        "publicity": publicity.classify(
            publish=v["publish"], evse_count=v["evse_count"], charging_class=v["charging_class"]
        ).value,
        "source": v["source"],
        "last_updated": v["last_updated"],
        "distance_km": distance_km,
    }


def location_detail(location: Location) -> dict[str, Any]:
    """The single-location form: the summary plus EVSEs, hours and the operator's contact."""
    party = location.party
    tariffs = registry_tariffs.tariff_objects(party=party)
    return {
        **location_summary(location),
        "parking_type": location.parking_type,
        "facilities": location.facilities or [],
        "time_zone": location.time_zone,
        "opening_times": location.opening_times,
        "help_phone": location.help_phone or None,
        "contact": {
            "website": party.website or None,
            "email": party.contact_email or None,
            "phone": party.contact_phone or None,
        },
        "evses": [evse_dict(e, tariffs) for e in location.evses.all() if e.status != "REMOVED"],
    }
