"""Demand and candidate points for siting, from the fleet, settlements and corridors.

Demand (weights in vehicle-equivalents, points in WGS84 degrees):
- settlements: the plug-in vehicles (BEV, PHEV, EREV) registered in a region are spread over
  the region's settlements (data/settlements.csv, see data/SOURCES.md) in proportion to
  population; a region with vehicles and no settlement is reported as unplaced;
- corridors: `corridor_share` of the settlement weight (an assumption, default 20 %: trips
  between towns) is spread over points every `step_km` km along the country's corridors, in
  proportion to each corridor's traffic weight × length.
Demand already within `radius_km` of a public DC station in service can be dropped
(`uncovered_only`), so the models place new stations where there are none.

Candidates: permit applications in progress (permits selectors), uploaded sites (CSV), and
points every `step_km` km inside the corridors' gaps (`corridors.find_gaps`).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from kubat.insights import siting
from kubat.insights.corridors import CorridorLine
from kubat.insights.regions import region_key

PLUG_INS = ("BEV", "PHEV", "EREV")


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float
    weight: float
    label: str
    origin: str


@cache
def settlements() -> tuple[dict[str, Any], ...]:
    """The shipped settlements: country, region, name, lat, lon, population."""
    text = resources.files("kubat.insights").joinpath("data/settlements.csv").read_text("utf-8")
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append(
            {
                "country": row["country"],
                "region": row["region"],
                "name": row["name"],
                "lat": float(row["lat"]),
                "lon": float(row["lon"]),
                "population": int(row["population"]),
            }
        )
    return tuple(rows)


def settlement_demand(
    *, country: str, vehicles_by_region: Mapping[str, int]
) -> tuple[list[Point], int]:
    """Settlement demand points and the vehicles of regions without a settlement (unplaced)."""
    towns: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for town in settlements():
        if town["country"] == country:
            towns[region_key(town["region"])].append(town)
    points, unplaced = [], 0
    for region, vehicles in vehicles_by_region.items():
        here = towns.get(region_key(region), [])
        population = sum(t["population"] for t in here)
        if not here or not population:
            unplaced += vehicles
            continue
        for town in here:
            share = vehicles * town["population"] / population
            points.append(Point(town["lat"], town["lon"], share, town["name"], "settlement"))
    return points, unplaced


def along(
    line: CorridorLine, *, start_km: float, end_km: float, step_km: float
) -> list[tuple[float, float]]:
    """(lat, lon) every `step_km` km strictly inside [start_km, end_km] (at least the middle)."""
    n = max(1, int((end_km - start_km) // step_km))
    kms = [start_km + (end_km - start_km) * (k + 0.5) / n for k in range(n)]
    return [(lat, lon) for lon, lat in (line.point_at(km) for km in kms)]


def corridor_demand(
    corridors: Iterable[tuple[str, CorridorLine, float]], *, total_weight: float, step_km: float
) -> list[Point]:
    """Points every `step_km` along each (name, line, traffic weight), `total_weight` in all,
    shared by traffic weight × length."""
    items = list(corridors)
    mass = sum(w * line.length_km for _, line, w in items)
    points: list[Point] = []
    if not mass or total_weight <= 0:
        return points
    for name, line, w in items:
        spots = along(line, start_km=0.0, end_km=line.length_km, step_km=step_km)
        each = total_weight * w * line.length_km / mass / len(spots)
        points.extend(Point(lat, lon, each, name, "corridor") for lat, lon in spots)
    return points


def drop_covered(
    points: Sequence[Point], stations: Sequence[tuple[float, float]], *, radius_km: float
) -> tuple[list[Point], float]:
    """The points with no station within `radius_km`, and the weight dropped."""
    if not stations or not points:
        return list(points), 0.0
    lat = np.array([p.lat for p in points])
    lon = np.array([p.lon for p in points])
    s = np.asarray(stations, dtype=float)
    near = np.zeros(len(points), dtype=bool)
    for start in range(0, len(s), 256):
        d = siting.distances_km(s[start : start + 256, 0], s[start : start + 256, 1], lat, lon)
        near |= (d <= radius_km).any(axis=0)
    kept = [p for p, n in zip(points, near, strict=True) if not n]
    return kept, float(sum(p.weight for p, n in zip(points, near, strict=True) if n))
