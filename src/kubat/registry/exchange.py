"""The open-data file formats: CSV with one row per connector, and GeoJSON; both streamed.

The CSV columns are the contract of both `kubat export` and `kubat import` (docs/open-data.md
documents each). Exports hold public and planned locations (registry.publicity; the column
`publicity` says which) and their non-REMOVED EVSEs only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from kubat.protocols.ocpi.v2_2_1.types import format_datetime
from kubat.registry import presenters, publicity
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
    "publicity",
    "source",
]


def provenance(generated_at: datetime) -> str:
    return (
        f"Kubat national charging registry open data. Licence: {settings.KUBAT_DATA_LICENCE}. "
        f"Generated at {format_datetime(generated_at)}. Rows with source=demo are generated "
        "demonstration data, not real stations."
    )


def csv_rows(location: Location) -> Iterator[list[object]]:
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
        location.latitude,
        location.longitude,
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
                publicity.of(location).value,
                location.source,
            ]


def stream_csv(locations: Iterable[Location], *, generated_at: datetime) -> Iterator[str]:
    """CSV text in chunks: a `#` comment line with licence and time, the header, the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    yield f"# {provenance(generated_at)}\n"
    writer.writerow(CSV_COLUMNS)
    for location in locations:
        for row in csv_rows(location):
            writer.writerow(row)
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _feature(location: Location) -> dict[str, Any]:
    properties = presenters.location_summary(location)
    properties["evses"] = [
        presenters.evse_dict(e) for e in location.evses.all() if e.status != Status.REMOVED
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
    for location in locations:
        chunk.append(separator + json.dumps(_feature(location), cls=DjangoJSONEncoder))
        separator = ","
        if len(chunk) >= 200:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + "]}\n"
