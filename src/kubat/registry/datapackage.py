"""The Frictionless Data Package (datapackage.json) published beside the open-data files.

The CSV holds only a header and rows (RFC 4180), so what a reader needs to know about the
data lives here, in a standard any tool reads (frictionless-py, R's `frictionless`, CKAN,
Data Curator): the licence, when it was generated and from what, and a Table Schema with the
type and constraints of every CSV column (docs/open-data.md lists their meaning). The GeoJSON
is a second resource. Resource paths are relative, so the package describes the files beside
it wherever they are: the live `/open-data/` (with the same query as the package itself) or
a dated snapshot directory (registry.snapshots).

Apps above the registry publish files beside these (the permits register's
`/open-data/permits.csv`): each adds a description of its file at start-up with
`add_resource`, so the live package describes every file in `/open-data/` without the registry
importing the apps that use it. A snapshot is of the registry's files only.
"""

# ruff: noqa: E501  (the column table reads best one column a line)
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings

from kubat.protocols.ocpi.v2_2_1.enums import (
    ConnectorFormat,
    ConnectorType,
    ParkingType,
    PowerType,
    Status,
)
from kubat.protocols.ocpi.v2_2_1.types import format_datetime
from kubat.registry.enums import Source
from kubat.registry.exchange import CSV_COLUMNS, provenance
from kubat.registry.publicity import Publicity

_DATETIME = {"type": "datetime", "format": "%Y-%m-%dT%H:%M:%S%z"}
_ALPHA2 = {"pattern": "[A-Z]{2}"}


def _enum(values: object) -> dict[str, Any]:
    return {"enum": [str(v) for v in values]}  # type: ignore[attr-defined]


# name → (Table Schema type and format, constraints, description). One entry per CSV column:
# a test checks the two lists agree.
FIELDS: dict[str, tuple[dict[str, str], dict[str, Any], str]] = {
    "country_code": ({"type": "string"}, {"required": True, **_ALPHA2}, "OCPI party country, ISO 3166-1 alpha-2"),
    "party_id": ({"type": "string"}, {"required": True}, "OCPI party id; with country_code the operator's key"),
    "operator_name": ({"type": "string"}, {}, "The operator's name"),
    "location_id": ({"type": "string"}, {"required": True}, "OCPI Location.id, unique per party"),
    "location_name": ({"type": "string"}, {}, "The location's name"),
    "address": ({"type": "string"}, {}, "Street address"),
    "city": ({"type": "string"}, {}, "City or town (Latin script)"),
    "postal_code": ({"type": "string"}, {}, "Postal code"),
    "region": ({"type": "string"}, {}, "Administrative region (oblast or city of republican significance)"),
    "country": ({"type": "string"}, {"required": True, "pattern": "[A-Z]{3}"}, "ISO 3166-1 alpha-3"),
    "latitude": ({"type": "number"}, {"required": True, "minimum": -90, "maximum": 90}, "WGS84 decimal degrees"),
    "longitude": ({"type": "number"}, {"required": True, "minimum": -180, "maximum": 180}, "WGS84 decimal degrees"),
    "time_zone": ({"type": "string"}, {}, "IANA time zone"),
    "parking_type": ({"type": "string"}, _enum(ParkingType), "OCPI ParkingType"),
    "facilities": ({"type": "string"}, {}, "OCPI Facility values separated by ;"),
    "opening_times": ({"type": "object"}, {}, "OCPI Hours object as JSON; empty when not published"),
    "location_last_updated": (_DATETIME, {"required": True}, "RFC 3339 UTC"),
    "evse_uid": ({"type": "string"}, {"required": True}, "OCPI EVSE.uid, unique within the location"),
    "evse_id": ({"type": "string"}, {}, "eMI3 EVSE ID"),
    "evse_status": ({"type": "string"}, {"required": True, **_enum(Status)}, "OCPI Status at export time"),
    "capabilities": ({"type": "string"}, {}, "OCPI Capability values separated by ;"),
    "evse_last_updated": (_DATETIME, {"required": True}, "RFC 3339 UTC"),
    "connector_id": ({"type": "string"}, {"required": True}, "OCPI Connector.id within the EVSE"),
    "standard": ({"type": "string"}, {"required": True, **_enum(ConnectorType)}, "OCPI ConnectorType"),
    "format": ({"type": "string"}, {"required": True, **_enum(ConnectorFormat)}, "SOCKET or CABLE"),
    "power_type": ({"type": "string"}, {"required": True, **_enum(PowerType)}, "OCPI PowerType"),
    "max_voltage": ({"type": "integer"}, {"required": True, "minimum": 0}, "Volts (line to neutral for AC_3_PHASE)"),
    "max_amperage": ({"type": "integer"}, {"required": True, "minimum": 0}, "Amperes"),
    "max_electric_power": ({"type": "integer"}, {"minimum": 0}, "Watts, when the operator states it"),
    "power_kw": ({"type": "number"}, {"required": True, "minimum": 0}, "kW: max_electric_power, else voltage x amperage (x 3 for three phases)"),
    "connector_last_updated": (_DATETIME, {"required": True}, "RFC 3339 UTC"),
    "publicity": ({"type": "string"}, {"required": True, **_enum([Publicity.PUBLIC, Publicity.PLANNED])}, "public (in service) or planned (every EVSE PLANNED)"),
    "source": ({"type": "string"}, {"required": True, **_enum(Source.values)}, "demo marks generated demonstration data"),
    "price_session": ({"type": "string"}, {}, "The reference session priced (DC: 30 kWh in 45 min; AC: 11 kWh in 2 h); empty when the EVSE has no price"),
    "price_currency": ({"type": "string"}, {"pattern": "[A-Z]{3}"}, "ISO 4217 currency of the price"),
    "price_excl_vat": ({"type": "number"}, {"minimum": 0}, "Price of the reference session excluding VAT"),
    "price_incl_vat": ({"type": "number"}, {"minimum": 0}, "Price of the reference session including VAT"),
    "price_vat_stated": ({"type": "boolean"}, {}, "Whether the tariff states VAT; when false both prices are the tariff's amounts as published"),
    "price_tax_included": ({"type": "string"}, {"enum": ["YES", "NO", "N/A"]}, "OCPI 2.3.0 TaxIncluded of the tariff: YES, its amounts include tax; NO, tax is added on top (price_incl_vat adds the VAT it states); N/A, no tax applies. A 2.2.1 tariff is NO when it states VAT, N/A otherwise"),
}  # fmt: skip

PRIMARY_KEY = ["country_code", "party_id", "location_id", "evse_uid", "connector_id"]


def table_schema() -> dict[str, Any]:
    """The Table Schema of the locations CSV: every column with its type and constraints."""
    fields = []
    for name in CSV_COLUMNS:
        kind, constraints, description = FIELDS[name]
        field: dict[str, Any] = {"name": name, **kind, "description": description}
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {"fields": fields, "primaryKey": PRIMARY_KEY, "missingValues": [""]}


# describe(generated_at, country) → a Data Resource descriptor whose path is relative to
# /open-data/ and carries the country filter when the file takes one.
ResourceDescriber = Callable[[datetime, str | None], dict[str, Any]]
_LIVE_RESOURCES: list[ResourceDescriber] = []


def add_resource(describe: ResourceDescriber) -> None:
    """Describe one more file of the live /open-data/ in its package (called once, from an
    app's AppConfig.ready)."""
    if describe not in _LIVE_RESOURCES:
        _LIVE_RESOURCES.append(describe)


def package(
    *,
    generated_at: datetime,
    query: str = "",
    source_url: str = "",
    country: str | None = None,
    updated_since: datetime | None = None,
    live: bool = False,
) -> dict[str, Any]:
    """The data package for the files beside it; `query` ("?country=KG…", or "") is appended to
    each resource path so the package describes exactly the files the same request returns.
    `live`: the package of /open-data/ itself, with the other apps' files (add_resource)."""
    filters: dict[str, str] = {}
    if country:
        filters["country"] = country
    if updated_since is not None:
        filters["updated_since"] = format_datetime(updated_since)
    return {
        "profile": "data-package",  # the GeoJSON is not tabular
        "name": "kubat-charging-registry",
        "title": "Kubat national charging registry",
        "description": provenance(generated_at)
        + " One CSV row per connector of each listed EVSE; the GeoJSON has one feature per "
        "location. Prices are for a stated reference session (docs/open-data.md).",
        "created": format_datetime(generated_at),
        "licenses": [
            {
                "name": settings.KUBAT_DATA_LICENCE_ID,
                "path": settings.KUBAT_DATA_LICENCE_URL,
                "title": settings.KUBAT_DATA_LICENCE,
            }
        ],
        "sources": [
            {
                "title": "Kubat national charging registry (operators' OCPI feeds, imports, "
                "permits and the secretariat)",
                **({"path": source_url} if source_url else {}),
            }
        ],
        "keywords": ["electric vehicle charging", "OCPI", "Kyrgyzstan", "Kazakhstan"],
        "kubat_filters": filters,
        "resources": [
            {
                "name": "locations",
                "path": "locations.csv" + query,
                "profile": "tabular-data-resource",
                "title": "Charging locations, one row per connector",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
                "schema": table_schema(),
            },
            {
                "name": "locations-geojson",
                "path": "locations.geojson" + query,
                "profile": "data-resource",
                "title": "Charging locations as a GeoJSON FeatureCollection (RFC 7946)",
                "format": "geojson",
                "mediatype": "application/geo+json",
                "encoding": "utf-8",
            },
            *(describe(generated_at, country) for describe in (_LIVE_RESOURCES if live else [])),
        ],
    }
