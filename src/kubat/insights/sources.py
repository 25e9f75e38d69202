"""The one place insights reads the registry's and the fleet's tables: aggregates, read-only.

Insights sits above both apps and only reads them: the questions are aggregates across many
rows (kW per region, registrations per model), which the registry and fleet selectors, written
for one location or one VIN, do not answer. Nothing here
writes. Permit applications are read through `kubat.permits.selectors`, quota volumes through
`kubat.quotas.selectors`.

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
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import ExtractYear

from kubat.fleet.models import DomesticProduction, EVModel, Registration
from kubat.permits import selectors as permit_selectors
from kubat.quotas import selectors as quota_selectors
from kubat.registry.enums import PowerType, Status
from kubat.registry.enums import Source as RegistrySource
from kubat.registry.models import EVSE, Connector

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


def fleet_counts(*, country_code: str) -> list[tuple[str, int, str, int]]:
    """(region, year registered, powertrain, vehicles) for one country's registrations."""
    rows = (
        Registration.objects.filter(country_code=country_code)
        .annotate(year=ExtractYear("registered_on"))
        .values_list("region", "year", "powertrain")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(r, int(y), p, int(n)) for r, y, p, n in rows]


def fleet_cohorts(*, country_code: str) -> list[tuple[str, int | None, int]]:
    """(region, catalogue model id or None, vehicles) for one country's registrations."""
    rows = (
        Registration.objects.filter(country_code=country_code)
        .values_list("region", "ev_model_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(r, m, int(n)) for r, m, n in rows]


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
    return Registration.objects.filter(country_code=country_code, source="demo").exists()


def _dc_exists() -> Exists:
    return Exists(Connector.objects.filter(evse=OuterRef("pk"), power_type=PowerType.DC))


def supply_by_region(*, country_code: str) -> list[dict[str, Any]]:
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


def planned_by_region(*, country_code: str) -> list[dict[str, Any]]:
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
    box in WGS84 degrees; standards are those of the DC connectors of those EVSEs."""
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
