"""The bulk load's derivations in set-based SQL: staging tables in, rows out.

`registry.services.bulk_create_locations` writes each validated OCPI Location of a batch, as
the JSON its pydantic model dumps (`exclude_none`, so an absent field is an absent key), into
the temporary table `kubat_bulk_in` (PostgreSQL: one COPY; SQLite: one executemany), with the
few values the write path decides in Python (the key, the party, the region, the country
codes, the coordinates as floats). The statements here then do what the Python
path does per location, for the whole batch at once: split the documents into connectors and
EVSEs, derive power and class, the location's summary, its search points, the counters and grid
cells, and INSERT ... SELECT every table. Why: at 1,000,000 EVSEs the Python per location
(formatting rows, `summarise`, the wire mapping, the loop) was about 80 % of a 594 s load
(docs/decisions/0009-bulk-load.md).

Two rules are restated here, so each statement names the Python it mirrors, and
tests/registry/test_bulk_load.py compares the two on every kind of location:

- the OCPI-to-column mapping of `registry.wire` (`location_fields`, `evse_fields`,
  `connector_fields`): a JSON column is the field's JSON dump, an absent optional string is
  NULL, or "" where wire writes `or ""`; the test compares every column with the one-by-one
  path's, for 2.2.1 and 2.3.0 objects with every optional field set;
- the derivations of `registry.derived` (`connector_power_kw`, `charging_class`,
  `highest_class`, `summarise`, `watts`, `cell_of`): the test compares the loaded state with
  `rebuild_derived`, which runs `summarise`. Floating point: a power is W / 1000 or
  V × A (× 3) / 1000, one IEEE division as in Python (Python's `round(x, 3)` of it is the
  identity); `watts` and `dc_kw` round values that are within a rounding error of a whole
  watt, or of three decimals (the powers have at most three decimals), so no value lies near
  the half-unit where the engines' rounding rules (PostgreSQL's half to even on float8,
  SQLite's half away from zero) could differ from Python's, and the order of a sum cannot
  matter.

The statements are plain SQL with a few dialect fragments (`Dialect`: JSON arrays, keys,
timestamps as each engine stores them, floor, an ordered string aggregate). Every statement
runs in the caller's transaction; the staging tables are temporary (PostgreSQL drops them at
commit) and emptied after each batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from kubat.registry.derived import (
    CELLS_PER_DEGREE,
    CLASS_RANK,
    HPC_THRESHOLD_KW,
    KEY_SEPARATOR,
    STANDARD_SEPARATOR,
)
from kubat.registry.enums import ANY_STANDARD, STANDARD_CODES, ChargingClass, PowerType, Status
from kubat.registry.models import EVSE, Connector, Location

IN_COLUMNS = (
    "id",
    "party_id",
    "party_key",
    "region",
    "country_code",
    "country",
    "lat",
    "lon",
    "doc",
)


@dataclass(frozen=True, slots=True)
class Dialect:
    """The few places where SQLite and PostgreSQL spell the same thing differently."""

    name: str

    @property
    def pg(self) -> bool:
        return self.name == "postgresql"

    def elements(self, array: str, alias: str) -> str:
        """A FROM item: the elements of a JSON array, as `alias.doc` and `alias.ord` (their
        order); nothing for a missing array."""
        if self.pg:
            return (
                f"CROSS JOIN LATERAL jsonb_array_elements({array}) WITH ORDINALITY"
                f" AS {alias}(doc, ord)"
            )
        return f"CROSS JOIN json_each({array}) AS {alias}"

    def doc(self, alias: str) -> str:
        return f"{alias}.doc" if self.pg else f"{alias}.value"

    def ord(self, alias: str) -> str:
        return f"{alias}.ord" if self.pg else f"{alias}.key"

    def evse_key(self) -> str:
        """An EVSE's key, in the order of the rows: PostgreSQL's sequence; SQLite's keys are
        contiguous from `evse_base` (core.bulk.allocate_ids, under the write lock)."""
        if self.pg:
            return "nextval(CAST(%(evse_sequence)s AS regclass))"
        return "%(evse_base)s + row_number() OVER (ORDER BY location_id, ord) - 1"

    def stamp(self, doc: str) -> str:
        """A DateTime of the JSON (pydantic writes UTC as ...THH:MM:SS[.ffffff]Z) as the column
        stores it: PostgreSQL's timestamptz; on SQLite Django's text of the UTC time."""
        text = f"{doc}->>'last_updated'"
        if self.pg:
            return f"CAST({text} AS timestamptz)"
        return f"replace(replace({text}, 'T', ' '), 'Z', '')"

    def any_true(self, condition: str) -> str:
        return f"bool_or({condition})" if self.pg else f"max({condition})"

    def floor(self, value: str) -> str:
        if self.pg:
            return f"CAST(floor({value}) AS integer)"
        return f"(CAST({value} AS integer) - (CAST({value} AS integer) > {value}))"

    def round3(self, value: str) -> str:
        if self.pg:
            return f"CAST(round(CAST({value} AS numeric), 3) AS double precision)"
        return f"round({value}, 3)"

    def dc_standards(self, where: str) -> str:
        """Per location, its distinct standards of the plugs `where` selects, sorted by code
        point (Python's sort) and joined by STANDARD_SEPARATOR."""
        if self.pg:
            return (
                'SELECT location_id, string_agg(DISTINCT standard COLLATE "C", %(plus)s'
                ' ORDER BY standard COLLATE "C") AS dc_standards'
                f" FROM kubat_bulk_plug WHERE {where} GROUP BY location_id"
            )
        # A window's rows are aggregated in its order (a plain group_concat's order is not
        # defined); SQLite compares text by code point.
        return (
            "SELECT DISTINCT location_id, group_concat(standard, %(plus)s) OVER ("
            "PARTITION BY location_id ORDER BY standard"
            " ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS dc_standards"
            f" FROM (SELECT DISTINCT location_id, standard FROM kubat_bulk_plug WHERE {where})"
        )

    def staging(self) -> list[str]:
        """The staging tables, created on first use (PostgreSQL: in the transaction, dropped
        at its end; SQLite: in the connection, emptied after each batch).

        On PostgreSQL, as in registry.rollup_sql: the planner sees no statistics of a temporary
        table and prices a batch as huge, so JIT compilation is off for the transaction, and a
        batch's hashes and sorts get the memory to stay off disk."""
        doc = "jsonb" if self.pg else "text"
        # SQLite joins on a key by its rowid (an INTEGER PRIMARY KEY is the rowid) instead of
        # building an automatic index per statement; PostgreSQL hashes.
        key = "bigint" if self.pg else "INTEGER PRIMARY KEY"
        suffix = " ON COMMIT DROP" if self.pg else ""
        settings = ["SET LOCAL jit = off", "SET LOCAL work_mem = '128MB'"] if self.pg else []
        return settings + [
            f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns.format(doc=doc, key=key)}){suffix}"
            for name, columns in STAGING.items()
        ]

    def empty(self) -> list[str]:
        if self.pg:
            return ["TRUNCATE " + ", ".join(STAGING)]
        return [f"DELETE FROM {name}" for name in STAGING]


STAGING = {
    # One row per location: what Python decided, and the validated object's JSON.
    "kubat_bulk_in": "id {key}, party_id bigint, party_key text, region text,"
    " country_code text, country text, lat double precision, lon double precision, doc {doc}",
    # One row per connector, with its EVSE's place and status (derived.PlugSpec and its kw).
    "kubat_bulk_plug": "location_id bigint, evse_ord bigint, ord bigint, status text,"
    " standard text, power_type text, kw double precision, doc {doc}",
    # One row per EVSE, keyed, with its power and class (summarise's per-EVSE values).
    "kubat_bulk_evse": "id {key}, location_id bigint, ord bigint, status text,"
    " kw double precision, has_dc boolean, class text, doc {doc}",
    # One row per location: its Summary's columns and what the counters need.
    "kubat_bulk_loc": "id {key}, country_code text, region text, party_key text,"
    " publish boolean, lat double precision, lon double precision,"
    " max_power_kw double precision, charging_class text, evse_count bigint, live bigint,"
    " dc_standards text, dc_kw double precision, dc_max_kw double precision, dc_points bigint",
    # The search points (index.search_point_rows).
    "kubat_bulk_point": "location_id bigint, code integer, lat double precision,"
    " lon double precision, max_kw double precision, in_service boolean",
}


def params(*, source: str, now: Any, evse_sequence: str = "", evse_base: int = 0) -> dict[str, Any]:
    """The values the statements read: the write's, and the constants of the Python
    definitions they mirror. `now` as the connection stores it."""
    return {
        "removed": Status.REMOVED.value,
        "planned": Status.PLANNED.value,
        "dc": PowerType.DC.value,
        "ac3": PowerType.AC_3_PHASE.value,
        "ac": ChargingClass.AC.value,
        "dc_class": ChargingClass.DC.value,
        "hpc": ChargingClass.HPC.value,
        "hpc_kw": HPC_THRESHOLD_KW,
        "rank_ac": CLASS_RANK[ChargingClass.AC.value],
        "rank_dc": CLASS_RANK[ChargingClass.DC.value],
        "rank_hpc": CLASS_RANK[ChargingClass.HPC.value],
        "any": ANY_STANDARD,
        "sep": KEY_SEPARATOR,
        "plus": STANDARD_SEPARATOR,
        "cells": CELLS_PER_DEGREE,
        "source": source,
        "now": now,
        "evse_sequence": evse_sequence,
        "evse_base": evse_base,
    }


def _in_service(alias: str = "") -> str:
    """An EVSE in service: neither REMOVED nor PLANNED (summarise's evse_count)."""
    return f"{alias}status <> %(removed)s AND {alias}status <> %(planned)s"


_IN_SERVICE = _in_service()


def _codes() -> str:
    """STANDARD_CODES as a table `codes(standard, code)` (our own enum's values, checked)."""
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", standard) for standard in STANDARD_CODES)
    rows = ", ".join(f"('{standard}', {code})" for standard, code in STANDARD_CODES.items())
    return f"WITH codes(standard, code) AS (VALUES {rows})"


def _json(source: str, key: str) -> str:
    return f"{source}->'{key}'"


def _text(source: str, key: str) -> str:
    return f"{source}->>'{key}'"


def _location_columns(d: Dialect) -> dict[str, str]:
    """wire.location_fields, with services._location_fields' region, country code and source."""
    return {
        "id": "i.id",
        "party_id": "i.party_id",
        "ocpi_id": _text("i.doc", "id"),
        "publish": "l.publish",
        "publish_allowed_to": _json("i.doc", "publish_allowed_to"),
        "name": f"coalesce({_text('i.doc', 'name')}, '')",
        "address": _text("i.doc", "address"),
        "city": _text("i.doc", "city"),
        "postal_code": f"coalesce({_text('i.doc', 'postal_code')}, '')",
        "state": f"coalesce({_text('i.doc', 'state')}, '')",
        "country": "i.country",
        "country_code": "i.country_code",
        "region": "i.region",
        "latitude": "i.doc->'coordinates'->>'latitude'",
        "longitude": "i.doc->'coordinates'->>'longitude'",
        "lat": "i.lat",
        "lon": "i.lon",
        "related_locations": _json("i.doc", "related_locations"),
        "parking_type": _text("i.doc", "parking_type"),
        "directions": _json("i.doc", "directions"),
        "operator": _json("i.doc", "operator"),
        "suboperator": _json("i.doc", "suboperator"),
        "owner": _json("i.doc", "owner"),
        "facilities": _json("i.doc", "facilities"),
        "time_zone": _text("i.doc", "time_zone"),
        "opening_times": _json("i.doc", "opening_times"),
        "charging_when_closed": f"CAST({_text('i.doc', 'charging_when_closed')} AS boolean)",
        "images": _json("i.doc", "images"),
        "energy_mix": _json("i.doc", "energy_mix"),
        "help_phone": f"coalesce({_text('i.doc', 'help_phone')}, '')",
        "parking_places": _json("i.doc", "parking_places"),
        "last_updated": d.stamp("i.doc"),
        "source": "%(source)s",
        "max_power_kw": "l.max_power_kw",
        "charging_class": "l.charging_class",
        "evse_count": "l.evse_count",
        "dc_standards": "l.dc_standards",
        "dc_kw": "l.dc_kw",
        "dc_max_kw": "l.dc_max_kw",
        "dc_points": "l.dc_points",
        "created_at": "%(now)s",
    }


def _evse_columns(d: Dialect) -> dict[str, str]:
    """wire.evse_fields; status_updated_at is the write's time (a pushed status is live)."""
    return {
        "id": "e.id",
        "location_id": "e.location_id",
        "uid": _text("e.doc", "uid"),
        "evse_id": _text("e.doc", "evse_id"),
        "status": "e.status",
        "status_schedule": _json("e.doc", "status_schedule"),
        "capabilities": _json("e.doc", "capabilities"),
        "floor_level": _text("e.doc", "floor_level"),
        "latitude": "e.doc->'coordinates'->>'latitude'",
        "longitude": "e.doc->'coordinates'->>'longitude'",
        "physical_reference": _text("e.doc", "physical_reference"),
        "directions": _json("e.doc", "directions"),
        "parking_restrictions": _json("e.doc", "parking_restrictions"),
        "images": _json("e.doc", "images"),
        "parking": _json("e.doc", "parking"),
        "accepted_service_providers": _json("e.doc", "accepted_service_providers"),
        "last_updated": d.stamp("e.doc"),
        "status_updated_at": "%(now)s",
        "max_power_kw": "e.kw",
    }


def _connector_columns(d: Dialect) -> dict[str, str]:
    """wire.connector_fields (the key is the table's own default)."""
    return {
        "evse_id": "e.id",
        "ocpi_id": _text("c.doc", "id"),
        "standard": "c.standard",
        "format": _text("c.doc", "format"),
        "power_type": "c.power_type",
        "max_voltage": f"CAST({_text('c.doc', 'max_voltage')} AS integer)",
        "max_amperage": f"CAST({_text('c.doc', 'max_amperage')} AS integer)",
        "max_electric_power": f"CAST({_text('c.doc', 'max_electric_power')} AS integer)",
        "tariff_ids": _json("c.doc", "tariff_ids"),
        "terms_and_conditions": _text("c.doc", "terms_and_conditions"),
        "capabilities": _json("c.doc", "capabilities"),
        "last_updated": d.stamp("c.doc"),
    }


def columns(vendor: str) -> dict[str, dict[str, str]]:
    """The value each statement writes into each column of the registry's three tables."""
    d = Dialect(vendor)
    return {
        Location._meta.db_table: _location_columns(d),
        EVSE._meta.db_table: _evse_columns(d),
        Connector._meta.db_table: _connector_columns(d),
    }


def _insert(table: str, columns: dict[str, str], tail: str) -> str:
    names = ", ".join(f'"{name}"' for name in columns)
    values = ",\n  ".join(columns.values())
    return f'INSERT INTO "{table}" ({names})\nSELECT {values}\n{tail}'


@cache
def statements(vendor: str) -> tuple[str, ...]:
    """The batch's statements in order: the derivations, then every table of the registry."""
    d = Dialect(vendor)
    e_doc, e_ord, c_doc, c_ord = d.doc("e"), d.ord("e"), d.doc("c"), d.ord("c")
    # derived.connector_power_kw: max_electric_power when stated (non-zero), else V × A, × 3
    # for AC_3_PHASE, in kW.
    plugs = f"""
INSERT INTO kubat_bulk_plug (location_id, evse_ord, ord, status, standard, power_type, kw, doc)
SELECT i.id, {e_ord}, {c_ord}, {e_doc}->>'status', {c_doc}->>'standard',
  {c_doc}->>'power_type',
  CASE WHEN coalesce(CAST({c_doc}->>'max_electric_power' AS bigint), 0) <> 0
    THEN CAST({c_doc}->>'max_electric_power' AS double precision) / 1000
    ELSE CAST((CASE WHEN {c_doc}->>'power_type' = %(ac3)s THEN 3 ELSE 1 END
      * CAST({c_doc}->>'max_voltage' AS bigint) * CAST({c_doc}->>'max_amperage' AS bigint))
      AS double precision) / 1000
  END,
  {c_doc}
FROM kubat_bulk_in i
{d.elements("i.doc->'evses'", "e")}
{d.elements(f"{e_doc}->'connectors'", "c")}
"""
    # summarise, per EVSE: its power is its best connector's (0 without one), its class
    # derived.charging_class; keys in the objects' order.
    evses = f"""
INSERT INTO kubat_bulk_evse (id, location_id, ord, status, kw, has_dc, class, doc)
SELECT {d.evse_key()}, location_id, ord, status, kw, has_dc,
  CASE WHEN NOT has_dc THEN %(ac)s WHEN kw >= %(hpc_kw)s THEN %(hpc)s ELSE %(dc_class)s END, doc
FROM (
  SELECT i.id AS location_id, {e_ord} AS ord, {e_doc}->>'status' AS status, {e_doc} AS doc,
    coalesce(p.kw, 0) AS kw, coalesce(p.has_dc, false) AS has_dc
  FROM kubat_bulk_in i
  {d.elements("i.doc->'evses'", "e")}
  LEFT JOIN (
    SELECT location_id, evse_ord, max(kw) AS kw, {d.any_true("power_type = %(dc)s")} AS has_dc
    FROM kubat_bulk_plug GROUP BY location_id, evse_ord
  ) p ON p.location_id = i.id AND p.evse_ord = {e_ord}
  ORDER BY i.id, {e_ord}
) s
"""
    # summarise, per location: REMOVED EVSEs count for nothing; power and class over the
    # others (highest_class); evse_count in service; the DC-station columns only published.
    dc_kw = d.round3(f"sum(kw) FILTER (WHERE {_IN_SERVICE} AND has_dc)")
    locations = f"""
INSERT INTO kubat_bulk_loc (id, country_code, region, party_key, publish, lat, lon,
  max_power_kw, charging_class, evse_count, live, dc_standards, dc_kw, dc_max_kw, dc_points)
SELECT i.id, i.country_code, i.region, i.party_key, i.publish, i.lat, i.lon,
  coalesce(e.max_kw, 0),
  CASE e.rank WHEN %(rank_ac)s THEN %(ac)s WHEN %(rank_dc)s THEN %(dc_class)s
    WHEN %(rank_hpc)s THEN %(hpc)s ELSE '' END,
  coalesce(e.in_service, 0), coalesce(e.live, 0),
  CASE WHEN i.publish THEN coalesce(p.dc_standards, '') ELSE '' END,
  CASE WHEN i.publish THEN coalesce(e.dc_kw, 0) ELSE 0 END,
  CASE WHEN i.publish THEN coalesce(e.dc_max_kw, 0) ELSE 0 END,
  CASE WHEN i.publish THEN coalesce(e.dc_points, 0) ELSE 0 END
FROM (SELECT *, CAST(doc->>'publish' AS boolean) AS publish FROM kubat_bulk_in) i
LEFT JOIN (
  SELECT location_id,
    max(kw) FILTER (WHERE status <> %(removed)s) AS max_kw,
    max(CASE class WHEN %(ac)s THEN %(rank_ac)s WHEN %(dc_class)s THEN %(rank_dc)s
      ELSE %(rank_hpc)s END) FILTER (WHERE status <> %(removed)s) AS rank,
    count(*) FILTER (WHERE {_IN_SERVICE}) AS in_service,
    count(*) FILTER (WHERE status <> %(removed)s) AS live,
    {dc_kw} AS dc_kw,
    max(kw) FILTER (WHERE {_IN_SERVICE} AND has_dc) AS dc_max_kw,
    count(*) FILTER (WHERE {_IN_SERVICE} AND has_dc) AS dc_points
  FROM kubat_bulk_evse GROUP BY location_id
) e ON e.location_id = i.id
LEFT JOIN ({d.dc_standards(f"power_type = %(dc)s AND {_IN_SERVICE}")}) p
  ON p.location_id = i.id
"""
    # summarise's points and index.search_point_rows: a published location's best connector
    # per standard code over its EVSEs not REMOVED, and ANY_STANDARD at its own power.
    points = f"""
{_codes()}
INSERT INTO kubat_bulk_point (location_id, code, lat, lon, max_kw, in_service)
SELECT l.id, p.code, l.lat, l.lon, p.max_kw, l.evse_count > 0
FROM kubat_bulk_loc l
JOIN (
  SELECT c.location_id, m.code, max(c.kw) AS max_kw
  FROM kubat_bulk_plug c JOIN codes m ON m.standard = c.standard
  WHERE c.status <> %(removed)s
  GROUP BY c.location_id, m.code
  UNION ALL
  SELECT id, %(any)s, max_power_kw FROM kubat_bulk_loc WHERE live > 0
) p ON p.location_id = l.id
WHERE l.publish
"""
    write_locations = _insert(
        Location._meta.db_table,
        _location_columns(d),
        "FROM kubat_bulk_in i JOIN kubat_bulk_loc l ON l.id = i.id ORDER BY i.id",
    )
    write_evses = _insert(
        EVSE._meta.db_table, _evse_columns(d), "FROM kubat_bulk_evse e ORDER BY e.id"
    )
    write_connectors = _insert(
        Connector._meta.db_table,
        _connector_columns(d),
        "FROM kubat_bulk_plug c JOIN kubat_bulk_evse e"
        " ON e.location_id = c.location_id AND e.ord = c.evse_ord ORDER BY e.id, c.ord",
    )
    # Each EVSE's first status, as services._append_events writes it.
    write_events = f"""
INSERT INTO registry_evsestatusevent (evse_id, status, reported_at, received_at, source)
SELECT id, status, {d.stamp("doc")}, %(now)s, %(source)s FROM kubat_bulk_evse ORDER BY id
"""
    write_points = """
INSERT INTO registry_searchpoint (location_id, code, lat, lon, max_kw, in_service)
SELECT location_id, code, lat, lon, max_kw, in_service FROM kubat_bulk_point
ORDER BY location_id, code
"""
    # summarise's contribution summed per (country, dimension, key) as index.Totals sums it;
    # a zero moves nothing and creates no row, in key order (core.bulk.add_counts). The
    # WHERE of the outer SELECT keeps SQLite's parser from reading ON CONFLICT as a join's ON.
    evse = "FROM kubat_bulk_evse e JOIN kubat_bulk_loc l ON l.id = e.location_id WHERE l.publish"
    plug = "FROM kubat_bulk_plug e JOIN kubat_bulk_loc l ON l.id = e.location_id WHERE l.publish"
    station = "FROM kubat_bulk_loc l WHERE l.publish AND l.evse_count > 0"
    live = _in_service("e.")
    write_counters = f"""
INSERT INTO registry_statcounter (country_code, dimension, key, value)
SELECT country_code, dimension, key, CAST(sum(value) AS bigint) FROM (
  SELECT l.country_code, CAST('evses_by_power_class' AS text) AS dimension, e.class AS key,
    CAST(1 AS bigint) AS value {evse} AND {live}
  UNION ALL SELECT l.country_code, 'evses_by_region_class', l.region || %(sep)s || e.class, 1
    {evse} AND {live}
  UNION ALL SELECT l.country_code, 'watts_by_region_class', l.region || %(sep)s || e.class,
    CAST(round(e.kw * 1000) AS bigint) {evse} AND {live}
  UNION ALL SELECT l.country_code, 'planned_evses_by_region', l.region, 1
    {evse} AND e.status = %(planned)s
  UNION ALL SELECT l.country_code, 'planned_watts_by_region', l.region,
    CAST(round(e.kw * 1000) AS bigint) {evse} AND e.status = %(planned)s
  UNION ALL SELECT l.country_code, 'connectors_by_standard', e.standard, 1 {plug} AND {live}
  UNION ALL SELECT l.country_code, 'connectors', '', 1 {plug} AND {live}
  UNION ALL SELECT l.country_code, 'locations', '', 1 {station}
  UNION ALL SELECT l.country_code, 'evses', '', l.evse_count {station}
  UNION ALL SELECT l.country_code, 'locations_by_region', l.region, 1 {station}
  UNION ALL SELECT l.country_code, 'locations_by_operator', l.party_key, 1 {station}
  UNION ALL SELECT l.country_code, 'dc_stations_by_region_standards',
    l.region || %(sep)s || l.dc_standards, 1 {station} AND l.dc_points > 0
  UNION ALL SELECT l.country_code, 'planned_locations', '', 1
    FROM kubat_bulk_loc l WHERE l.publish AND l.evse_count = 0 AND l.live > 0
) c
WHERE true
GROUP BY country_code, dimension, key HAVING sum(value) <> 0
ORDER BY country_code, dimension, key
ON CONFLICT (country_code, dimension, key)
DO UPDATE SET value = registry_statcounter.value + excluded.value
"""
    # summarise's cells (derived.cell_of): a public location with an EVSE in service counts
    # once per search code in its cell.
    cell_y, cell_x = d.floor("lat * %(cells)s"), d.floor("lon * %(cells)s")
    write_cells = f"""
INSERT INTO registry_searchcell (code, cell_y, cell_x, locations)
SELECT code, {cell_y}, {cell_x}, count(*) FROM kubat_bulk_point WHERE in_service
GROUP BY code, {cell_y}, {cell_x} ORDER BY code, {cell_y}, {cell_x}
ON CONFLICT (code, cell_y, cell_x)
DO UPDATE SET locations = registry_searchcell.locations + excluded.locations
"""
    return (
        plugs,
        evses,
        locations,
        points,
        write_locations,
        write_evses,
        write_connectors,
        write_events,
        write_points,
        write_counters,
        write_cells,
    )
