"""Nearest and in-box search over SearchPoint, with the engine's own spatial index.

Both engines run the same algorithm, an expanding box: look in the box that holds the circle of
radius r around the query point, ask the database for the k nearest rows inside the circle
(ordered by the equirectangular distance of kubat.core.geo), and stop as soon as k rows came
back, because every row outside the circle is farther than every row inside it. Otherwise grow
r (by the density seen, at most fourfold), up to the caller's radius. Dense cities finish in
the first small box; sparse steppe needs a few rounds, each cheap because the index skips empty
space.

The box test is what the index serves. Both engines index the point (lon + 400 * code, lat):
each connector standard lives in its own 400-degree band of x, so one 2-D index serves every
standard (docs/decisions/0002-spatial-index.md).
- SQLite: an R*Tree; its 32-bit bounds are rounded outward (by up to ~0.001 degree at the
  highest band), so the box test may admit a point slightly outside, which the exact distance
  test then removes.
- PostgreSQL: a GiST expression index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from kubat.core.geo import KM_PER_DEGREE, BBox, box_around, lon_scale

# Start small: a box in a dense city centre can hold tens of thousands of points, and both
# indexes cost per point returned. Sparse areas pay a few cheap empty rounds instead.
INITIAL_RADIUS_KM = 0.25
MAX_GROWTH = 4.0
WHOLE_EARTH_KM = 20_100.0
# Width of each standard's band of x in the index; must match migration 0002.
CODE_BAND = 400.0


@dataclass(frozen=True, slots=True)
class Hit:
    location_id: int
    distance_km: float
    d2: float  # squared distance in scaled degrees: the exact sort and cursor key


@dataclass(frozen=True, slots=True)
class Extra:
    """Extra SQL conditions on the joined location row `l` (already escaped by the caller)."""

    sql: str = ""
    params: tuple[Any, ...] = ()


def _box_condition(codes: Sequence[int], box: BBox) -> tuple[str, list[Any]]:
    """SQL that keeps SearchPoint rows `s` of one of `codes` inside `box`, using the index."""
    parts: list[str] = []
    params: list[Any] = []
    for code in codes:
        offset = CODE_BAND * code
        if connection.vendor == "postgresql":
            parts.append("point(s.lon + 400 * s.code, s.lat) <@ box(point(%s, %s), point(%s, %s))")
            params += [box.min_lon + offset, box.min_lat, box.max_lon + offset, box.max_lat]
        else:
            parts.append(
                "s.id IN (SELECT id FROM registry_searchpoint_rtree WHERE min_x <= %s"
                " AND max_x >= %s AND min_y <= %s AND max_y >= %s)"
            )
            params += [box.max_lon + offset, box.min_lon + offset, box.max_lat, box.min_lat]
    return "(" + " OR ".join(parts) + ")", params


def _where(
    *,
    lat: float,
    lon: float,
    radius_km: float,
    codes: Sequence[int],
    min_kw: float | None,
    extra: Extra,
    after: tuple[float, int] | None,
) -> tuple[str, str, list[Any], list[Any]]:
    """(d2 expression, WHERE clause, d2 params, WHERE params) for rows `s` joined to `l`."""
    scale = lon_scale(lat)
    r_deg = radius_km / KM_PER_DEGREE
    d2_sql = "((s.lat - %s) * (s.lat - %s) + (s.lon - %s) * (s.lon - %s) * %s)"
    d2_params: list[Any] = [lat, lat, lon, lon, scale * scale]
    box_sql, box_params = _box_condition(codes, box_around(lat, lon, radius_km))
    where = [box_sql, f"{d2_sql} <= %s"]
    params: list[Any] = [*box_params, *d2_params, r_deg * r_deg]
    if min_kw is not None:
        where.append("s.max_kw >= %s")
        params.append(min_kw)
    if extra.sql:
        where.append(extra.sql)
        params.extend(extra.params)
    if after is not None:
        where.append(f"({d2_sql} > %s OR ({d2_sql} = %s AND s.location_id > %s))")
        params += [*d2_params, after[0], *d2_params, after[0], after[1]]
    return d2_sql, " AND ".join(where), d2_params, params


_FROM = " FROM registry_searchpoint s JOIN registry_location l ON l.id = s.location_id WHERE "


def _query(
    *,
    lat: float,
    lon: float,
    radius_km: float,
    codes: Sequence[int],
    min_kw: float | None,
    extra: Extra,
    after: tuple[float, int] | None,
    limit: int,
) -> list[Hit]:
    d2_sql, where, d2_params, params = _where(
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        codes=codes,
        min_kw=min_kw,
        extra=extra,
        after=after,
    )
    # One SearchPoint per (location, code): several codes can match one location twice,
    # with the same distance, so DISTINCT collapses them.
    sql = (
        f"SELECT DISTINCT s.location_id, {d2_sql} AS d2{_FROM}{where}"
        " ORDER BY d2, s.location_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*d2_params, *params, limit])
        rows = cursor.fetchall()
    return [Hit(int(pk), KM_PER_DEGREE * float(d2) ** 0.5, float(d2)) for pk, d2 in rows]


def nearest(
    *,
    lat: float,
    lon: float,
    k: int,
    codes: Sequence[int],
    radius_km: float = WHOLE_EARTH_KM,
    min_kw: float | None = None,
    extra: Extra = Extra(),
    after: tuple[float, int] | None = None,
) -> list[Hit]:
    """The k nearest locations having one of `codes`, within radius_km, after the cursor.

    `after` is the (d2, location_id) of the last hit of the previous page.
    """
    r = min(INITIAL_RADIUS_KM, radius_km)
    while True:
        hits = _query(
            lat=lat,
            lon=lon,
            radius_km=r,
            codes=codes,
            min_kw=min_kw,
            extra=extra,
            after=after,
            limit=k,
        )
        if len(hits) >= k or r >= radius_km:
            return hits
        r = min(r * _growth(found=len(hits), wanted=k), radius_km)


def _growth(*, found: int, wanted: int) -> float:
    """How much to widen the radius: by the density seen so far, between 1.5 and 4 times.

    Points in a circle grow with the square of its radius, so sqrt(wanted / found) is the
    radius factor that density predicts; a margin of 25 % avoids a near miss.
    """
    if found == 0:
        return MAX_GROWTH
    return min(MAX_GROWTH, max(1.5, 1.25 * (wanted / found) ** 0.5))


def count_within(
    *,
    lat: float,
    lon: float,
    radius_km: float,
    codes: Sequence[int],
    min_kw: float | None = None,
    extra: Extra = Extra(),
) -> int:
    """How many locations having one of `codes` lie within radius_km."""
    _, where, _, params = _where(
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        codes=codes,
        min_kw=min_kw,
        extra=extra,
        after=None,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(DISTINCT s.location_id){_FROM}{where}", params)
        return int(cursor.fetchone()[0])


def in_box_sql(*, box: BBox, codes: Sequence[int]) -> tuple[str, list[Any]]:
    """A subquery of location ids inside `box` having one of `codes`, for ORM filters."""
    condition, params = _box_condition(codes, box)
    return f"SELECT s.location_id FROM registry_searchpoint s WHERE {condition}", params
