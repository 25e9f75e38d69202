"""The one place insights reads the registry's and the fleet's tables: aggregates, read-only.

Insights sits above both apps and only reads them: the questions are aggregates across many
rows (kW per region, registrations per model), which the registry and fleet selectors, written
for one location or one VIN, do not answer. Nothing here
writes. Permit applications are read through `kubat.permits.selectors`, quota volumes through
`kubat.quotas.selectors`.

The national answers read maintained counters, not rows: the registry's StatCounter keeps per
region the EVSEs and watts in service by charging class, the PLANNED EVSEs and watts, and the
public DC stations per set of DC standards (`registry.derived`, kept by its one write path),
and each location keeps its own DC station columns; the fleet's RegistrationCount keeps
registrations per region, year, powertrain and model (`fleet.services`). Those are a few
hundred rows whatever the size of the network and the register. The `*_from_rows` functions
compute the same figures by scanning the rows: the reference the counters are checked against.

Supply rule, used everywhere, the registry's own (`registry.publicity`): a public EVSE in
service is an EVSE of a published location whose status is neither PLANNED (a permitted
station not yet built) nor REMOVED; its location is then public. PLANNED EVSEs of published
locations are the pipeline; unpublished (hidden) locations count for nothing. An EVSE's power
is its `max_power_kw` (the most its best connector delivers; an EVSE charges one car at a
time), and it is DC when one of its connectors is DC.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import ExtractYear

from kubat.fleet import services as fleet_services
from kubat.fleet.models import DomesticProduction, EVModel, Registration
from kubat.permits import selectors as permit_selectors
from kubat.quotas import selectors as quota_selectors
from kubat.registry.derived import STANDARD_SEPARATOR, split_key
from kubat.registry.enums import ChargingClass, PowerType, Status
from kubat.registry.enums import Source as RegistrySource
from kubat.registry.models import EVSE, Connector, Location, StatCounter

NOT_SUPPLY = (Status.PLANNED, Status.REMOVED)


@dataclass(frozen=True, slots=True)
class Station:
    """A published location with DC EVSEs in service: its DC standards, total and best kW."""

    location_id: int
    name: str
    country_code: str
    region: str
    lat: float
    lon: float
    standards: frozenset[str]
    dc_kw: float
    max_point_kw: float
    dc_points: int
    demo: bool


def fleet_counts_from_rows(*, country_code: str) -> list[tuple[str, int, str, int]]:
    """(region, year registered, powertrain, vehicles) for one country's registrations."""
    rows = (
        Registration.objects.filter(country_code=country_code)
        .annotate(year=ExtractYear("registered_on"))
        .values_list("region", "year", "powertrain")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(r, int(y), p, int(n)) for r, y, p, n in rows]


def fleet_cohorts_from_rows(*, country_code: str) -> list[tuple[str, int | None, int]]:
    """(region, catalogue model id or None, vehicles) for one country's registrations."""
    rows = (
        Registration.objects.filter(country_code=country_code)
        .values_list("region", "ev_model_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(r, m, int(n)) for r, m, n in rows]


def fleet_counts(*, country_code: str) -> list[tuple[str, int, str, int]]:
    """(region, year registered, powertrain, vehicles): the fleet's maintained counts."""
    found: dict[tuple[str, int, str], int] = defaultdict(int)
    for region, year, powertrain, _, n in fleet_services.registration_counts(
        country_code=country_code
    ):
        found[(region, year, powertrain)] += n
    return [(r, y, p, n) for (r, y, p), n in found.items()]


def fleet_cohorts(*, country_code: str) -> list[tuple[str, int | None, int]]:
    """(region, catalogue model id or None, vehicles): the fleet's maintained counts."""
    found: dict[tuple[str, int | None], int] = defaultdict(int)
    for region, _, _, model_id, n in fleet_services.registration_counts(country_code=country_code):
        found[(region, model_id)] += n
    return [(r, m, n) for (r, m), n in found.items()]


def _counters(country_code: str, *dimensions: str) -> list[tuple[str, str, int]]:
    rows = (
        StatCounter.objects.filter(country_code=country_code, dimension__in=dimensions)
        .exclude(value=0)
        .values_list("dimension", "key", "value")
    )
    return [(d, k, int(v)) for d, k, v in rows]


def supply_by_region(*, country_code: str) -> list[dict[str, Any]]:
    """Per region and DC/AC: kW and EVSE count in service, from the registry's counters."""
    cells: dict[tuple[str, bool], dict[str, float]] = defaultdict(lambda: {"kw": 0.0, "points": 0})
    for dimension, key, value in _counters(
        country_code, "evses_by_region_class", "watts_by_region_class"
    ):
        region, charging_class = split_key(key)
        cell = cells[(region, charging_class != ChargingClass.AC)]
        if dimension == "watts_by_region_class":
            cell["kw"] += value / 1000.0
        else:
            cell["points"] += value
    return [
        {"region": r, "dc": dc, "kw": round(c["kw"], 3), "points": int(c["points"])}
        for (r, dc), c in cells.items()
    ]


def planned_by_region(*, country_code: str) -> list[dict[str, Any]]:
    """Per region: kW and count of PLANNED EVSEs, from the registry's counters."""
    cells: dict[str, dict[str, float]] = defaultdict(lambda: {"kw": 0.0, "points": 0})
    for dimension, region, value in _counters(
        country_code, "planned_evses_by_region", "planned_watts_by_region"
    ):
        if dimension == "planned_watts_by_region":
            cells[region]["kw"] += value / 1000.0
        else:
            cells[region]["points"] += value
    return [
        {"region": r, "kw": round(c["kw"], 3), "points": int(c["points"])} for r, c in cells.items()
    ]


def dc_station_sets(*, country_code: str) -> list[tuple[str, frozenset[str], int]]:
    """(region, DC standards, stations): public DC stations in service per standard set."""
    found = []
    for _, key, value in _counters(country_code, "dc_stations_by_region_standards"):
        region, standards = split_key(key)
        found.append((region, frozenset(standards.split(STANDARD_SEPARATOR)), value))
    return found


STATION_COLUMNS = (
    "pk",
    "name",
    "country_code",
    "region",
    "lat",
    "lon",
    "dc_standards",
    "dc_kw",
    "dc_max_kw",
    "dc_points",
    "source",
)


def _first_stations_sql() -> str:
    """One `... ORDER BY id` subquery of dc_stations_first, with %s for country, region and
    standards (the limit is appended). Written once from the model's column names: compiling
    a queryset per subquery cost more than the whole statement took to run."""
    quote = connection.ops.quote_name
    column = {f.name: str(f.column) for f in Location._meta.concrete_fields}
    column["pk"] = column["id"]
    where = " AND ".join(
        f"{quote(column[name])} = %s" for name in ("country_code", "region", "dc_standards")
    )
    return (
        f"SELECT {', '.join(quote(column[c]) for c in STATION_COLUMNS)}"
        f" FROM {quote(Location._meta.db_table)}"
        f" WHERE {where} AND {quote(column['dc_points'])} > 0"
        f" ORDER BY {quote(column['pk'])}"
    )


def dc_stations_first(
    *,
    country_code: str,
    requests: Sequence[tuple[frozenset[str], frozenset[str], int | None]],
    per_statement: int = 100,
) -> list[list[Station]]:
    """For each (region spellings, DC standards, limit): the public DC stations of those regions
    whose in-service DC standards are exactly those, in location id order, at most `limit`
    (None: all). One statement for up to `per_statement` requests.

    Each (spelling, standards) is its own `... ORDER BY id LIMIT n` subquery, glued by UNION
    ALL: on the registry's (country, region, DC standards, id) index each is an ordered range
    that stops after n rows, so the batch costs the same at a thousand stations as at a
    million, and one round trip instead of one per set. (`region IN (...)` would make
    PostgreSQL sort every match; a subquery in FROM is how SQLite allows LIMIT in a UNION.)
    """
    subquery = _first_stations_sql()
    parts: list[tuple[int, str, list[Any]]] = []
    for index, (regions, standards, limit) in enumerate(requests):
        key = STANDARD_SEPARATOR.join(sorted(standards))
        sql = subquery if limit is None else f"{subquery} LIMIT {int(limit)}"
        parts.extend((index, sql, [country_code, region, key]) for region in sorted(regions))
    found: list[list[Station]] = [[] for _ in requests]
    with connection.cursor() as cursor:
        for at in range(0, len(parts), per_statement):
            chunk = parts[at : at + per_statement]
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT {index} AS request, q{n}.* FROM ({sql}) q{n}"
                    for n, (index, sql, _) in enumerate(chunk)
                ),
                [p for _, _, params in chunk for p in params],
            )
            for index, *row in cursor.fetchall():
                found[index].append(_station(*row))
    for (regions, _, limit), stations in zip(requests, found, strict=True):
        if len(regions) > 1:  # spellings of one region: merge their lists by id
            stations.sort(key=lambda s: s.location_id)
            if limit is not None:
                del stations[limit:]
    return found


def dc_stations_of(
    *,
    country_code: str | None = None,
    box: tuple[float, float, float, float] | None = None,
) -> list[Station]:
    """`dc_stations` read from the DC station columns the registry keeps on each location (one
    table, no join through EVSEs and connectors): what corridors and siting use."""
    rows = Location.objects.exclude(dc_standards="").filter(dc_points__gt=0)
    if country_code:
        rows = rows.filter(country_code=country_code)
    if box:
        south, west, north, east = box
        rows = rows.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)
    return [_station(*row) for row in rows.order_by("pk").values_list(*STATION_COLUMNS)]


def _station(
    pk: int,
    name: str,
    country_code: str,
    region: str,
    lat: float,
    lon: float,
    dc_standards: str,
    dc_kw: float,
    dc_max_kw: float,
    dc_points: int,
    source: str,
) -> Station:
    """A Station from a Location row's STATION_COLUMNS (its maintained DC station columns)."""
    return Station(
        location_id=pk,
        name=name,
        country_code=country_code,
        region=region,
        lat=lat,
        lon=lon,
        standards=frozenset(dc_standards.split(STANDARD_SEPARATOR)),
        dc_kw=dc_kw,
        max_point_kw=dc_max_kw,
        dc_points=dc_points,
        demo=source == RegistrySource.DEMO,
    )


def model_inlets() -> dict[int, dict[str, Any]]:
    """Catalogue model id → {name, powertrain, ac (tuple of standards), dc (tuple)}."""
    return {
        m.pk: {
            "name": str(m),
            "powertrain": m.powertrain,
            "ac": tuple(m.ac_connectors or ()),
            "dc": tuple(m.dc_connectors or ()),
        }
        for m in EVModel.objects.all()
    }


def fleet_has_demo(*, country_code: str) -> bool:
    """Whether the country's fleet holds demo registrations, from the fleet's counts."""
    return fleet_services.has_demo_registrations(country_code=country_code)


def fleet_has_demo_from_rows(*, country_code: str) -> bool:
    """The same, by searching the registrations (the reference the counts are checked with)."""
    return Registration.objects.filter(country_code=country_code, source="demo").exists()


def _dc_exists() -> Exists:
    return Exists(Connector.objects.filter(evse=OuterRef("pk"), power_type=PowerType.DC))


def supply_by_region_from_rows(*, country_code: str) -> list[dict[str, Any]]:
    """Per region and DC/AC: kW and EVSE count of public EVSEs in service (rule in module doc)."""
    rows = (
        EVSE.objects.filter(location__country_code=country_code, location__publish=True)
        .exclude(status__in=NOT_SUPPLY)
        .annotate(dc=_dc_exists())
        .values("location__region", "dc")
        .annotate(kw=Sum("max_power_kw"), points=Count("id"))
        .order_by()
    )
    return [
        {
            "region": r["location__region"],
            "dc": bool(r["dc"]),
            "kw": float(r["kw"] or 0),
            "points": r["points"],
        }
        for r in rows
    ]


def planned_by_region_from_rows(*, country_code: str) -> list[dict[str, Any]]:
    """Per region: kW and count of PLANNED EVSEs (commissioned permits not yet in service)."""
    rows = (
        EVSE.objects.filter(
            location__country_code=country_code, location__publish=True, status=Status.PLANNED
        )
        .values("location__region")
        .annotate(kw=Sum("max_power_kw"), points=Count("id"))
        .order_by()
    )
    return [
        {"region": r["location__region"], "kw": float(r["kw"] or 0), "points": r["points"]}
        for r in rows
    ]


def permit_pipeline(*, country_code: str) -> list[dict[str, Any]]:
    """Applications in progress with their planned kW (permits' public selector)."""
    return permit_selectors.pipeline_sites(country_code=country_code)


def dc_stations(
    *,
    country_code: str | None = None,
    box: tuple[float, float, float, float] | None = None,
) -> list[Station]:
    """Published locations with DC EVSEs in service, optionally in a (south, west, north, east)
    box in WGS84 degrees; standards are those of the DC connectors of those EVSEs. Computed
    from the connectors: the reference `dc_stations_of` (the maintained columns) is checked
    against."""
    connectors = Connector.objects.filter(
        power_type=PowerType.DC, evse__location__publish=True
    ).exclude(evse__status__in=NOT_SUPPLY)
    if country_code:
        connectors = connectors.filter(evse__location__country_code=country_code)
    if box:
        south, west, north, east = box
        connectors = connectors.filter(
            evse__location__lat__gte=south,
            evse__location__lat__lte=north,
            evse__location__lon__gte=west,
            evse__location__lon__lte=east,
        )
    rows = connectors.values_list(
        "evse__location_id",
        "evse_id",
        "standard",
        "evse__max_power_kw",
        "evse__location__name",
        "evse__location__country_code",
        "evse__location__region",
        "evse__location__lat",
        "evse__location__lon",
        "evse__location__source",
    ).order_by()
    standards: dict[int, set[str]] = defaultdict(set)
    evse_kw: dict[int, dict[int, float]] = defaultdict(dict)
    info: dict[int, tuple[Any, ...]] = {}
    for loc, evse, standard, kw, *rest in rows:
        standards[loc].add(standard)
        evse_kw[loc][evse] = float(kw or 0)
        info[loc] = tuple(rest)
    found = []
    for loc, (name, cc, region, lat, lon, source) in info.items():
        kws = evse_kw[loc].values()
        found.append(
            Station(
                location_id=loc,
                name=name,
                country_code=cc,
                region=region,
                lat=lat,
                lon=lon,
                standards=frozenset(standards[loc]),
                dc_kw=sum(kws),
                max_point_kw=max(kws),
                dc_points=len(kws),
                demo=source == RegistrySource.DEMO,
            )
        )
    found.sort(key=lambda s: s.location_id)
    return found


def today() -> dt.date:
    return dt.datetime.now(tz=dt.UTC).date()


def domestic_units(*, country_code: str) -> dict[int, int]:
    """{year: units produced (or planned when not yet reported)} of domestic EV production."""
    found: dict[int, int] = {}
    for row in DomesticProduction.objects.filter(country_code=country_code):
        units = row.produced_units if row.produced_units is not None else row.planned_units
        found[row.year] = found.get(row.year, 0) + int(units or 0)
    return found


def quota_volumes(*, country_code: str) -> dict[int, int]:
    """{year: published duty-free quota volume} (quotas' public selector)."""
    return {p.year: p.volume for p in quota_selectors.periods() if p.country_code == country_code}
