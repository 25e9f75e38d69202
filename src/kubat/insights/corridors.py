"""Corridors: DC pools placed along a main road by linear referencing, gaps and passes.

Method. The road is a WGS84 (EPSG:4326) LineString. It is projected to the UTM zone of its
centroid (WGS84 / UTM north, EPSG:326zz, metres) with pyproj, so distances are metres on the
ground, not degrees; across the 6° of one zone the UTM scale error stays below 0.1 %, and a
road that crosses a zone boundary (Almaty–Astana) is still within about 0.4 %. A station is
a pool of the corridor when its distance to the line is at most `max_distance_km`; its
position is shapely's `project` of the point onto the line (km from the first vertex).

Per direction (forward: first vertex → last; backward: the reverse, km counted from the last
vertex) the stops are the origin, every pool, and the destination; a gap is the stretch
between two consecutive stops. A gap breaks the rule when it is longer than `max_gap_km`
(AFIR core network: 60 km). Its effective length divides each km by the range factor of the
segment it crosses (a 0.7 factor over a cold high pass makes 10 km count as 14.3), so a gap
over a pass can break the rule with fewer km. A pool meets the power rule when its DC kW in
service total at least `pool_min_total_kw` and one point has at least `pool_min_point_kw`.

Caveats: pools are assumed to serve both carriageways (the registry does not say which side
of the road a station is on), so both directions see the same pools and mirror each other
unless segments differ; the shipped lines join real towns with straight legs (approximate,
shorter than the road; `nominal_km` carries the published length), so replace them with an
OSM extract for planning (docs/insights.md says how).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pyproj import Transformer
from shapely.geometry import LineString, Point

from kubat.insights.rules import CorridorRules
from kubat.insights.sources import Station


@cache
def _transformers(epsg: int) -> tuple[Transformer, Transformer]:
    to_metric = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    to_wgs84 = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    return to_metric, to_wgs84


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS84 / UTM zone holding (lon, lat) in degrees (north: 326zz)."""
    zone = min(60, max(1, math.floor((lon + 180.0) / 6.0) + 1))
    return (32600 if lat >= 0 else 32700) + zone


@dataclass(frozen=True)
class CorridorLine:
    """A road line in WGS84 degrees and its copy in metres in the UTM zone of its centroid."""

    lonlat: tuple[tuple[float, float], ...]
    epsg: int
    metric: LineString

    @classmethod
    def from_coordinates(cls, coordinates: Sequence[Sequence[float]]) -> CorridorLine:
        """From GeoJSON LineString coordinates [[lon, lat], ...] in EPSG:4326."""
        lonlat = tuple((float(c[0]), float(c[1])) for c in coordinates)
        centre = LineString(lonlat).centroid
        epsg = utm_epsg(centre.x, centre.y)
        to_metric, _ = _transformers(epsg)
        xs, ys = to_metric.transform([p[0] for p in lonlat], [p[1] for p in lonlat])
        return cls(lonlat=lonlat, epsg=epsg, metric=LineString(list(zip(xs, ys, strict=True))))

    @property
    def length_km(self) -> float:
        return float(self.metric.length) / 1000.0

    def box(self, *, margin_km: float) -> tuple[float, float, float, float]:
        """(south, west, north, east) in degrees around the line, widened by `margin_km`."""
        lons = [p[0] for p in self.lonlat]
        lats = [p[1] for p in self.lonlat]
        dlat = margin_km / 111.0 + 0.01
        dlon = margin_km / (111.0 * max(0.2, math.cos(math.radians(max(map(abs, lats)))))) + 0.01
        return (min(lats) - dlat, min(lons) - dlon, max(lats) + dlat, max(lons) + dlon)

    def locate(self, *, lon: float, lat: float) -> tuple[float, float]:
        """(km along the line from its first vertex, km off the line) of a WGS84 point."""
        to_metric, _ = _transformers(self.epsg)
        x, y = to_metric.transform(lon, lat)
        point = Point(x, y)
        return float(self.metric.project(point)) / 1000.0, float(
            self.metric.distance(point)
        ) / 1000.0

    def point_at(self, km: float) -> tuple[float, float]:
        """(lon, lat) in degrees of the point `km` along the line from its first vertex."""
        _, to_wgs84 = _transformers(self.epsg)
        p = self.metric.interpolate(km * 1000.0)
        lon, lat = to_wgs84.transform(p.x, p.y)
        return float(lon), float(lat)


def resolve_segments(
    line: CorridorLine, segments: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Segments with from_km/to_km; one given by "at" [lon, lat] and "half_length_km" is placed
    by projecting that point onto the line (km, clipped to the line's length)."""
    resolved = []
    for segment in segments:
        item = dict(segment)
        if "at" in item and ("from_km" not in item or "to_km" not in item):
            centre, _ = line.locate(lon=float(item["at"][0]), lat=float(item["at"][1]))
            half = float(item.get("half_length_km", 5.0))
            item["from_km"] = round(max(0.0, centre - half), 2)
            item["to_km"] = round(min(line.length_km, centre + half), 2)
        item["range_factor"] = float(item.get("range_factor", 1.0))
        resolved.append(item)
    return resolved


def effective_km(start: float, end: float, segments: Sequence[Mapping[str, Any]]) -> float:
    """Length of [start, end] (km, start ≤ end) where each km over a segment with range factor
    f counts 1/f km; overlapping segments use the lowest factor."""
    cuts = sorted(
        {start, end}
        | {float(s[k]) for s in segments for k in ("from_km", "to_km") if start < s[k] < end}
    )
    total = 0.0
    for a, b in itertools.pairwise(cuts):
        mid = (a + b) / 2
        factors = [s["range_factor"] for s in segments if s["from_km"] <= mid <= s["to_km"]]
        total += (b - a) / min(factors, default=1.0)
    return total


def find_gaps(
    stops_km: Iterable[float],
    *,
    length_km: float,
    max_gap_km: float,
    segments: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Every stretch between consecutive stops (origin 0, pools, destination `length_km`) whose
    length or effective length (see `effective_km`) is over `max_gap_km`. Units: km."""
    stops = sorted({0.0, length_km, *(min(max(0.0, s), length_km) for s in stops_km)})
    gaps = []
    for a, b in itertools.pairwise(stops):
        effective = effective_km(a, b, segments)
        if b - a > max_gap_km + 1e-9 or effective > max_gap_km + 1e-9:
            crossed = [s["name"] for s in segments if s["from_km"] < b and s["to_km"] > a]
            gaps.append(
                {
                    "from_km": round(a, 1),
                    "to_km": round(b, 1),
                    "length_km": round(b - a, 1),
                    "effective_km": round(effective, 1),
                    "segments": crossed,
                }
            )
    return gaps


def _mirror(segments: Sequence[Mapping[str, Any]], length_km: float) -> list[dict[str, Any]]:
    return [
        {**s, "from_km": length_km - float(s["to_km"]), "to_km": length_km - float(s["from_km"])}
        for s in segments
    ]


def analyse(
    line: CorridorLine,
    *,
    stations: Iterable[Station],
    segments: Iterable[Mapping[str, Any]],
    rules: CorridorRules,
    max_distance_km: float,
) -> dict[str, Any]:
    """Pools within `max_distance_km` (km) of the line, gaps per direction, passes; see module."""
    length = line.length_km
    resolved = resolve_segments(line, segments)
    pools: list[dict[str, Any]] = []
    for station in stations:
        km, off = line.locate(lon=station.lon, lat=station.lat)
        if off > max_distance_km:
            continue
        pools.append(
            {
                "location_id": station.location_id,
                "name": station.name,
                "lat": station.lat,
                "lon": station.lon,
                "km": round(km, 2),
                "off_road_km": round(off, 2),
                "dc_kw": station.dc_kw,
                "max_point_kw": station.max_point_kw,
                "standards": sorted(station.standards),
                "meets_power_rule": station.dc_kw >= rules.pool_min_total_kw
                and station.max_point_kw >= rules.pool_min_point_kw,
            }
        )
    pools.sort(key=lambda p: (p["km"], p["location_id"]))
    directions = {}
    for name, flip in (("forward", False), ("backward", True)):
        segs = _mirror(resolved, length) if flip else resolved
        at = [length - p["km"] if flip else p["km"] for p in pools]
        strong = [length - p["km"] if flip else p["km"] for p in pools if p["meets_power_rule"]]
        directions[name] = {
            "gaps": find_gaps(at, length_km=length, max_gap_km=rules.max_gap_km, segments=segs),
            "gaps_counting_only_pools_meeting_power_rule": find_gaps(
                strong, length_km=length, max_gap_km=rules.max_gap_km, segments=segs
            ),
        }
    return {
        "length_km": round(length, 1),
        "crs": f"EPSG:{line.epsg}",
        "pools": pools,
        "pools_below_power_rule": [p for p in pools if not p["meets_power_rule"]],
        "segments": resolved,
        "passes": [s for s in resolved if s.get("pass")],
        "directions": directions,
    }
