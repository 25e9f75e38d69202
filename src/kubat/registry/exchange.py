"""The open-data file formats: CSV with one row per connector, and GeoJSON; both streamed.

The CSV columns are the contract of both `kubat export` and `kubat import` (docs/open-data.md
documents each). Exports hold public and planned locations (registry.publicity; the column
`publicity` says which) and their non-REMOVED EVSEs only.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from kubat.core import csvsafe
from kubat.protocols.ocpi.v2_2_1.types import format_datetime
from kubat.registry import presenters, publicity
from kubat.registry import tariffs as registry_tariffs
from kubat.registry.enums import Status
from kubat.registry.models import Location

CSV_COLUMNS = [
    "country_code",
    "party_id",
    "operator_name",
    "location_id",
    "location_name",
    "address",
    "city",
    "postal_code",
    "region",
    "country",
    "latitude",
    "longitude",
    "time_zone",
    "parking_type",
    "facilities",
    "opening_times",
    "location_last_updated",
    "evse_uid",
    "evse_id",
    "evse_status",
    "capabilities",
    "evse_last_updated",
    "connector_id",
    "standard",
    "format",
    "power_type",
    "max_voltage",
    "max_amperage",
    "max_electric_power",
    "power_kw",
    "connector_last_updated",
    "price_session",
    "price_currency",
    "price_excl_vat",
    "price_incl_vat",
    "price_vat_stated",
    "price_tax_included",
    "publicity",
    "source",
]
# Computed from the operator's tariff (registry.pricing); ignored on import.
PRICE_COLUMNS = [c for c in CSV_COLUMNS if c.startswith("price_")]


def provenance(generated_at: datetime) -> str:
    return (
        f"Kubat national charging registry open data. Licence: {settings.KUBAT_DATA_LICENCE}. "
        f"Generated at {format_datetime(generated_at)}. Rows with source=demo are generated "
        "demonstration data, not real stations."
    )


class TariffCache:
    """Each party's tariff objects, read once per export (a party has many locations)."""

    def __init__(self) -> None:
        self._by_party: dict[int, dict[str, dict[str, Any]]] = {}

    def of(self, location: Location) -> dict[str, dict[str, Any]]:
        if location.party_id not in self._by_party:
            self._by_party[location.party_id] = registry_tariffs.tariff_objects(
                party=location.party_id
            )
        return self._by_party[location.party_id]


def _price_cells(price: dict[str, Any] | None) -> list[object]:
    """The price columns: session, currency, excl. and incl. VAT, whether VAT is stated and
    whether the tariff's amounts include tax (YES, NO, N/A); all empty when the EVSE has no
    price (no tariff, or one that prices nothing of the session)."""
    if price is None:
        return ["", "", "", "", "", ""]
    return [
        price["session"],
        price["currency"],
        f"{price['excl_vat']:.2f}",
        f"{price['incl_vat']:.2f}",
        "true" if price["vat_stated"] else "false",
        price["tax_included"],
    ]


def csv_rows(
    location: Location, tariffs: dict[str, dict[str, Any]] | None = None
) -> Iterator[list[object]]:
    """The CSV rows of one location, one per connector; `tariffs` (the party's, upper-cased id →
    object) fills the price columns."""
    party = location.party
    operator = (location.operator or {}).get("name") or party.name
    hours = (
        json.dumps(location.opening_times, separators=(",", ":")) if location.opening_times else ""
    )
    head = [
        party.country_code,
        party.party_id,
        operator,
        location.ocpi_id,
        location.name,
        location.address,
        location.city,
        location.postal_code,
        location.region,
        location.country,
        # Stored as OCPI's decimal strings; written as numbers, so that a negative longitude stays
        # a number and is not neutralised as a formula (core.csvsafe). Decimal keeps the digits.
        Decimal(location.latitude),
        Decimal(location.longitude),
        location.time_zone,
        location.parking_type or "",
        ";".join(location.facilities or []),
        hours,
        format_datetime(location.last_updated),
    ]
    for evse in location.evses.all():
        if evse.status == Status.REMOVED:
            continue
        evse_part = [
            evse.uid,
            evse.evse_id or "",
            evse.status,
            ";".join(evse.capabilities or []),
            format_datetime(evse.last_updated),
        ]
        price = presenters.evse_dict(evse, tariffs)["price"] if tariffs else None
        for connector in evse.connectors.all():
            c = presenters.connector_dict(connector)
            yield [
                *head,
                *evse_part,
                c["id"],
                c["standard"],
                c["format"],
                c["power_type"],
                c["max_voltage"],
                c["max_amperage"],
                "" if c["max_electric_power"] is None else c["max_electric_power"],
                c["power_kw"],
                format_datetime(connector.last_updated),
                *_price_cells(price),
                publicity.of(location).value,
                location.source,
            ]


def stream_csv(locations: Iterable[Location], *, generated_at: datetime) -> Iterator[str]:
    """CSV text in chunks (RFC 4180): the header first, then the rows. Licence, time and source
    are in the data package beside it (datapackage), not in the file, so that any reader takes
    the first line for the header.

    Text cells that a spreadsheet would run as a formula are neutralised (core.csvsafe);
    coordinates and ratings stay numbers.
    """
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    cache = TariffCache()
    for location in locations:
        for row in csv_rows(location, cache.of(location)):
            writer.writerow(row)
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _feature(location: Location, tariffs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    properties = presenters.location_summary(location)
    properties["evses"] = [
        presenters.evse_dict(e, tariffs) for e in location.evses.all() if e.status != Status.REMOVED
    ]
    return {
        "type": "Feature",
        "id": location.pk,
        "geometry": {"type": "Point", "coordinates": [location.lon, location.lat]},
        "properties": properties,
    }


def stream_geojson(locations: Iterable[Location], *, generated_at: datetime) -> Iterator[str]:
    """A GeoJSON FeatureCollection (RFC 7946) in chunks, with licence and time as members."""
    head = {
        "type": "FeatureCollection",
        "licence": settings.KUBAT_DATA_LICENCE,
        "generated_at": format_datetime(generated_at),
        "attribution": provenance(generated_at),
    }
    yield json.dumps(head)[:-1] + ', "features": ['
    separator = ""
    chunk: list[str] = []
    cache = TariffCache()
    for location in locations:
        feature = _feature(location, cache.of(location))
        chunk.append(separator + json.dumps(feature, cls=DjangoJSONEncoder))
        separator = ","
        if len(chunk) >= 200:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + "]}\n"
