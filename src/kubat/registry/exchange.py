"""The open-data file formats: CSV with one row per connector, and GeoJSON; both streamed.

The CSV columns are the contract of both `kubat export` and `kubat import` (docs/open-data.md
documents each). Exports hold public and planned locations (registry.publicity; the column
`publicity` says which) and their non-REMOVED EVSEs only.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from kubat.core import csvsafe
from kubat.protocols.ocpi.v2_2_1.types import format_datetime
from kubat.registry import presenters, publicity, selectors
from kubat.registry import tariffs as registry_tariffs
from kubat.registry.derived import connector_power_kw
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
        return self.of_party(location.party_id)

    def of_party(self, party_id: int) -> dict[str, dict[str, Any]]:
        if party_id not in self._by_party:
            self._by_party[party_id] = registry_tariffs.tariff_objects(party=party_id)
        return self._by_party[party_id]


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


def _chunk_of(location: Location) -> selectors.ExportChunk:
    """One loaded location (with its EVSEs and connectors) as the plain rows of
    selectors.iter_export_chunks, so that both sources go through one CSV formatter."""
    party = location.party
    evses = [e for e in location.evses.all() if e.status != Status.REMOVED]
    return selectors.ExportChunk(
        locations=[tuple(getattr(location, c) for c in selectors.EXPORT_LOCATION_COLUMNS)],
        evses={
            location.pk: [
                tuple(getattr(e, c) for c in selectors.EXPORT_EVSE_COLUMNS) for e in evses
            ]
        },
        connectors={
            e.pk: [
                tuple(getattr(c, n) for n in selectors.EXPORT_CONNECTOR_COLUMNS)
                for c in e.connectors.all()
            ]
            for e in evses
        },
        parties={party.pk: (party.country_code, party.party_id, party.name)},
    )


def _chunk_rows(
    chunk: selectors.ExportChunk,
    tariffs: TariffCache | None,
    *,
    cell: Callable[[object], object],
    when: Callable[[datetime], str],
) -> Iterator[list[object]]:
    """The CSV rows of a chunk, one per connector, each cell passed through `cell` once (a
    location's and an EVSE's columns once for all their rows) and datetimes formatted by
    `when`; `tariffs` (None: no prices) fills the price columns."""
    empty_price = [cell(v) for v in _price_cells(None)]
    for (
        pk, party_pk, operator, ocpi_id, name, address, city, postal_code, region, country,
        latitude, longitude, time_zone, parking_type, facilities, opening_times, last_updated,
        publish, evse_count, charging_class, source,
    ) in chunk.locations:  # fmt: skip
        country_code, party_id, party_name = chunk.parties[party_pk]
        hours = json.dumps(opening_times, separators=(",", ":")) if opening_times else ""
        head = [
            cell(v)
            for v in (
                country_code,
                party_id,
                (operator or {}).get("name") or party_name,
                ocpi_id,
                name,
                address,
                city,
                postal_code,
                region,
                country,
                # Stored as OCPI's decimal strings; written as numbers, so that a negative
                # longitude stays a number and is not neutralised as a formula (core.csvsafe).
                # Decimal keeps the digits.
                Decimal(latitude),
                Decimal(longitude),
                time_zone,
                parking_type or "",
                ";".join(facilities or []),
                hours,
                when(last_updated),
            )
        ]
        tail = [
            cell(
                publicity.classify(
                    publish=publish, evse_count=evse_count, charging_class=charging_class
                ).value
            ),
            cell(source),
        ]
        party_tariffs = tariffs.of_party(party_pk) if tariffs is not None else None
        for evse_pk, _loc, uid, evse_id, status, capabilities, evse_updated in chunk.evses.get(
            pk, ()
        ):
            connectors = chunk.connectors.get(evse_pk, ())
            evse_part = [
                cell(v)
                for v in (
                    uid,
                    evse_id or "",
                    status,
                    ";".join(capabilities or []),
                    when(evse_updated),
                )
            ]
            price_cells = empty_price
            if party_tariffs:
                price = presenters.evse_price(
                    power_types=[c[4] for c in connectors],
                    tariff_ids=[c[9] for c in connectors],
                    tariffs=party_tariffs,
                )
                price_cells = [cell(v) for v in _price_cells(price)]
            for (
                _evse, c_id, standard, c_format, power_type, max_voltage, max_amperage,
                max_electric_power, c_updated, _tariff_ids,
            ) in connectors:  # fmt: skip
                power_kw = connector_power_kw(
                    power_type=power_type,
                    max_voltage=max_voltage,
                    max_amperage=max_amperage,
                    max_electric_power=max_electric_power,
                )
                yield [
                    *head,
                    *evse_part,
                    cell(c_id),
                    cell(standard),
                    cell(c_format),
                    cell(power_type),
                    max_voltage,
                    max_amperage,
                    "" if max_electric_power is None else max_electric_power,
                    power_kw,
                    cell(when(c_updated)),
                    *price_cells,
                    *tail,
                ]


def _same(value: object) -> object:
    return value


def csv_rows(
    location: Location, tariffs: dict[str, dict[str, Any]] | None = None
) -> Iterator[list[object]]:
    """The CSV rows of one location, one per connector (cells not neutralised); `tariffs` (the
    party's, upper-cased id → object) fills the price columns."""
    cache = TariffCache()
    cache._by_party[location.party_id] = tariffs or {}
    yield from _chunk_rows(_chunk_of(location), cache, cell=_same, when=format_datetime)


def _write_csv(chunks: Iterable[selectors.ExportChunk]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    cache = TariffCache()
    # Timestamps repeat (a location's EVSEs and connectors are mostly updated together):
    # each distinct one is formatted once.
    when = functools.lru_cache(maxsize=4096)(format_datetime)
    for chunk in chunks:
        for row in _chunk_rows(chunk, cache, cell=csvsafe.neutralise_cell, when=when):
            writer.writerow_neutralised(row)
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def stream_csv(locations: Iterable[Location], *, generated_at: datetime) -> Iterator[str]:
    """CSV text in chunks (RFC 4180): the header first, then the rows. Licence, time and source
    are in the data package beside it (datapackage), not in the file, so that any reader takes
    the first line for the header.

    Text cells that a spreadsheet would run as a formula are neutralised (core.csvsafe);
    coordinates and ratings stay numbers. For the whole registry, stream_csv_chunks over
    selectors.iter_export_chunks writes the same bytes without loading model rows.
    """
    return _write_csv(_chunk_of(location) for location in locations)


def stream_csv_chunks(
    chunks: Iterable[selectors.ExportChunk], *, generated_at: datetime
) -> Iterator[str]:
    """stream_csv from selectors.iter_export_chunks: the open-data download's path."""
    return _write_csv(chunks)


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
