"""Nearest and in-box search over SearchPoint with the engine's own spatial index, and the
bounded counts and cell estimates behind a search's total.

Distances and the ranking are the equirectangular approximation of kubat.core.geo at the query
latitude (d2, in squared scaled degrees, is the exact sort and cursor key). Both engines index
the point (lon + 400 * code, lat): each connector standard lives in its own 400-degree band of
x, so one 2-D index serves every standard (docs/decisions/0002-spatial-index.md). The search
itself differs by engine, each doing what its index does best
(docs/decisions/0006-box-search.md):

- PostgreSQL: a KNN scan of the GiST index (`ORDER BY point <-> point`), one statement
  whatever the density. The index orders by plain Euclidean distance in degrees, which is not
  the ranking, but bounds it: with c = cos(lat0), every row the scan has not reached lies at
  least c * U from the query point, U being the plain distance of the last row it returned. So
  the scan fetches a few more rows than wanted (k / c, plus a margin), ranks them by d2, and is
  exact when the k-th is nearer than c * U; otherwise it asks again for four times as many.
  Several standards are one scan each, in one UNION ALL. Statements are prepared on the
  server (psycopg): planning this join costs more than running it.
- SQLite: an R*Tree and an expanding box: ask for the k nearest rows inside the circle of
  radius r, stop as soon as k rows came back (every row outside the circle is farther than
  every row inside it), otherwise grow r by the density seen, at most fourfold. The R*Tree's
  32-bit bounds are rounded outward (up to ~0.002 degree in the highest band), so the box may
  admit a point slightly outside, which the exact distance test then removes. The R*Tree
  carries the search row's values as auxiliary columns (location id, exact lat/lon, max kW,
  in service; migration 0012), so it is the search row: registry_searchpoint is not read.

A search whose only location condition is "in service" (`Extra.in_service`, the default
search) reads the index alone, on both engines (PostgreSQL: a partial GiST index over the
in-service points); any other condition joins the location row `l` per candidate.

`within` clips every search to a box (a map's or API's bbox): the index is asked only for the
part of the circle inside it. Counts stop at a bound (`up_to`), because counting a dense city
costs per row; above it, `estimate_locations` reads the grid cells the write path maintains.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, router

from kubat.core import prepared
from kubat.core.geo import KM_PER_DEGREE, BBox, box_around, lon_scale
from kubat.registry.derived import CELLS_PER_DEGREE, cell_of
from kubat.registry.models import SearchPoint

# Start small: a box in a dense city centre can hold tens of thousands of points, and both
# indexes cost per point returned. Sparse areas pay a few cheap empty rounds instead.
INITIAL_RADIUS_KM = 0.25
MAX_GROWTH = 4.0
WHOLE_EARTH_KM = 20_100.0
# Width of each standard's band of x in the index; must match migration 0002.
CODE_BAND = 400.0
# KNN: rows fetched beyond k / cos(lat0), so that the exactness test rarely fails.
KNN_MARGIN = 1.3
KNN_EXTRA_ROWS = 8


@dataclass(frozen=True, slots=True)
class Hit:
    location_id: int
    distance_km: float
    d2: float  # squared distance in scaled degrees: the exact sort and cursor key


@dataclass(frozen=True, slots=True)
class Extra:
    """Extra SQL conditions on the joined location row `l` (already escaped by the caller), and
    whether only locations in service count.

    `in_service` is answered by the search row itself (SearchPoint.in_service, an auxiliary
    column of the R*Tree on SQLite, a partial GiST index on PostgreSQL): a search whose only
    condition it is reads the index alone, without joining a location row per candidate.
    """

    sql: str = ""
    params: tuple[Any, ...] = ()
    in_service: bool = False


IN_SERVICE = Extra(in_service=True)


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql` (%s parameters): prepared on PostgreSQL (core.prepared), straight to
    the driver on SQLite.

    On SQLite Django's cursor wrapper (its %s-to-? rewrite by regex, the debug and execute
    wrappers) cost more CPU than the R*Tree query itself: profiled on nearest-10 at 100,000
    EVSEs, two thirds of the call was outside SQLite. sqlite3 caches the compiled statement by
    its text, so each search shape is compiled once per connection, as on PostgreSQL. As
    there, the statement is not in Django's query log; driver errors are raised as Django's.
    Our SQL has no literal %, so the rewrite is a plain replace.
    """
    # A public read goes where the router sends the registry's reads (a replica, if any); one
    # lookup of the thread's connection, not four.
    alias = router.db_for_read(SearchPoint) or DEFAULT_DB_ALIAS
    db = connections[alias]
    if db.vendor != "sqlite":
        return prepared.fetch(sql, params, using=alias)
    db.ensure_connection()
    with db.wrap_database_errors:
        return list(db.connection.execute(sql.replace("%s", "?"), params).fetchall())


def clip(box: BBox, within: BBox | None) -> BBox | None:
    """The part of `box` inside `within` (all of it when `within` is None); None if empty."""
    if within is None:
        return box
    out = BBox(
        min_lon=max(box.min_lon, within.min_lon),
        min_lat=max(box.min_lat, within.min_lat),
        max_lon=min(box.max_lon, within.max_lon),
        max_lat=min(box.max_lat, within.max_lat),
    )
    if out.min_lon > out.max_lon or out.min_lat > out.max_lat:
        return None
    return out


def _d2(lat: float, lon: float) -> tuple[str, list[Any]]:
    """SQL of the squared scaled distance from (lat, lon) to row `s`, and its parameters."""
    scale = lon_scale(lat)
    return (
        "((s.lat - %s) * (s.lat - %s) + (s.lon - %s) * (s.lon - %s) * %s)",
        [lat, lat, lon, lon, scale * scale],
    )


def _source(codes: Sequence[int], box: BBox, *, join: bool = True) -> tuple[str, list[Any]]:
    """FROM and the start of WHERE: search rows `s` (location_id, lat, lon, max_kw, in_service)
    of one of `codes` inside `box` (joined to their location `l` when `join`), through the
    index."""
    if connection.vendor == "postgresql":
        join_sql = " JOIN registry_location l ON l.id = s.location_id" if join else ""
        parts = ["point(s.lon + 400 * s.code, s.lat) <@ box(point(%s, %s), point(%s, %s))"]
        params: list[Any] = []
        for code in codes:
            offset = CODE_BAND * code
            params += [box.min_lon + offset, box.min_lat, box.max_lon + offset, box.max_lat]
        return (
            f" FROM registry_searchpoint s{join_sql} WHERE ({' OR '.join(parts * len(codes))})",
            params,
        )
    # SQLite: the R*Tree carries the search row's columns (migration 0012), so it is `s` itself
    # and registry_searchpoint is not read. Several codes are one R*Tree lookup each in a
    # UNION ALL (an OR of boxes would make the R*Tree scan every node). CROSS JOIN fixes the
    # order, search points first: without statistics (a database never ANALYZEd) the planner
    # may scan every location instead.
    lookup = "min_x <= %s AND max_x >= %s AND min_y <= %s AND max_y >= %s"
    params = []
    for code in codes:
        offset = CODE_BAND * code
        params += [box.max_lon + offset, box.min_lon + offset, box.max_lat, box.min_lat]
    if len(codes) == 1:
        table = "registry_searchpoint_rtree s"
        where = lookup
    else:
        branch = (
            "SELECT location_id, lat, lon, max_kw, in_service FROM registry_searchpoint_rtree"
            f" WHERE {lookup}"
        )
        table = f"({' UNION ALL '.join([branch] * len(codes))}) s"
        where = "1"
    join_sql = " CROSS JOIN registry_location l ON l.id = s.location_id" if join else ""
    return f" FROM {table}{join_sql} WHERE ({where})", params


def _conditions(
    *,
    lat: float,
    lon: float,
    radius_km: float,
    min_kw: float | None,
    extra: Extra,
    after: tuple[float, int] | None,
    within: BBox | None = None,
) -> tuple[str, list[Any]]:
    """The rest of WHERE (each part starting with AND): inside the circle and `within`, power,
    `extra`, after the cursor.

    On SQLite `within` is tested again on the search point's own exact coordinates, because the
    R*Tree's bounds are rounded; the index box already is `within` on PostgreSQL.
    """
    d2_sql, d2_params = _d2(lat, lon)
    r_deg = radius_km / KM_PER_DEGREE
    sql = [f" AND {d2_sql} <= %s"]
    params: list[Any] = [*d2_params, r_deg * r_deg]
    if within is not None and connection.vendor == "sqlite":
        # PostgreSQL's GiST test of a point in a box is exact, and a redundant range here made
        # its planner expect a handful of rows and sort the whole box instead of a KNN scan
        # (150 ms against a few for a dense box at 1,000,000 EVSEs).
        sql.append(" AND s.lon BETWEEN %s AND %s AND s.lat BETWEEN %s AND %s")
        params += [within.min_lon, within.max_lon, within.min_lat, within.max_lat]
    if extra.in_service:
        sql.append(" AND s.in_service")
    if min_kw is not None:
        sql.append(" AND s.max_kw >= %s")
        params.append(min_kw)
    if extra.sql:
        sql.append(f" AND {extra.sql}")
        params.extend(extra.params)
    if after is not None:
        sql.append(f" AND ({d2_sql} > %s OR ({d2_sql} = %s AND s.location_id > %s))")
        params += [*d2_params, after[0], *d2_params, after[0], after[1]]
    return "".join(sql), params


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
    within: BBox | None = None,
) -> list[Hit]:
    """The k nearest locations having one of `codes`, within radius_km (and inside `within`),
    after the cursor, nearest first (ties by location id).

    `after` is the (d2, location_id) of the last hit of the previous page.
    """
    search = _nearest_knn if connection.vendor == "postgresql" else _nearest_expanding
    return search(
        lat=lat,
        lon=lon,
        k=k,
        codes=codes,
        radius_km=radius_km,
        min_kw=min_kw,
        extra=extra,
        after=after,
        within=within,
    )


def _nearest_knn(
    *,
    lat: float,
    lon: float,
    k: int,
    codes: Sequence[int],
    radius_km: float,
    min_kw: float | None,
    extra: Extra,
    after: tuple[float, int] | None,
    within: BBox | None,
) -> list[Hit]:
    """PostgreSQL: a GiST KNN scan per code, re-ranked by d2 (see the module docstring)."""
    box = clip(box_around(lat, lon, radius_km), within)
    if box is None:
        return []
    scale = lon_scale(lat)
    d2_sql, d2_params = _d2(lat, lon)
    rest, rest_params = _conditions(
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        min_kw=min_kw,
        extra=extra,
        after=after,
        within=within,
    )
    branches: list[str] = []
    branch_params: list[Any] = []
    for code in codes:
        source, source_params = _source([code], box, join=bool(extra.sql))
        knn = "point(s.lon + 400 * s.code, s.lat) <-> point(%s, %s)"
        here = [lon + CODE_BAND * code, lat]
        # The LIMIT is a subquery so that the planner does not see it. A box test gets a fixed
        # selectivity (0.1 % of the rows, whatever the box), and with a known LIMIT above what
        # that predicts the planner sorted the whole box instead of scanning the index in
        # distance order: a dense 16 km city box at 100,000 EVSEs 16 ms against 0.6, and a
        # nearest from the north (more rows fetched) a sort of the standard's whole band,
        # 22 ms against 0.3. Not knowing the LIMIT, it plans for a tenth of the rows, and
        # the KNN scan wins (docs/decisions/0006-box-search.md).
        branches.append(
            f"(SELECT {code} AS b, s.location_id, {d2_sql} AS d2, {knn} AS du{source}{rest}"
            f" ORDER BY {knn} LIMIT (SELECT %s::bigint))"
        )
        branch_params.append([*d2_params, *here, *source_params, *rest_params, *here])
    sql = " UNION ALL ".join(branches)
    fetch = max(k, math.ceil(KNN_MARGIN * k / scale)) + KNN_EXTRA_ROWS
    while True:
        params = [value for part in branch_params for value in (*part, fetch)]
        best: dict[int, float] = {}
        rows: dict[int, int] = dict.fromkeys(codes, 0)
        reach: dict[int, float] = dict.fromkeys(codes, 0.0)
        for branch, pk, d2, du in _fetch(sql, params):
            rows[branch] += 1
            reach[branch] = max(reach[branch], float(du))
            best[int(pk)] = min(float(d2), best.get(int(pk), math.inf))
        ranked = sorted((d2, pk) for pk, d2 in best.items())[:k]
        # A scan that returned `fetch` rows may have more; what it did not reach is at least
        # scale * reach away. A scan that returned fewer is exhausted.
        unreached = min((scale * reach[b] for b in codes if rows[b] >= fetch), default=math.inf)
        exhausted = unreached == math.inf
        if exhausted or (len(ranked) == k and math.sqrt(ranked[-1][0]) < unreached * (1 - 1e-9)):
            return [Hit(pk, KM_PER_DEGREE * math.sqrt(d2), d2) for d2, pk in ranked]
        fetch *= 4


def _nearest_expanding(
    *,
    lat: float,
    lon: float,
    k: int,
    codes: Sequence[int],
    radius_km: float,
    min_kw: float | None,
    extra: Extra,
    after: tuple[float, int] | None,
    within: BBox | None,
) -> list[Hit]:
    """SQLite: the expanding box over the R*Tree (see the module docstring)."""
    r = min(INITIAL_RADIUS_KM, radius_km)
    d2_sql, d2_params = _d2(lat, lon)
    # One SearchPoint per (location, code): several codes can match one location twice,
    # with the same distance, so DISTINCT collapses them.
    select = f"SELECT {'DISTINCT ' if len(codes) > 1 else ''}s.location_id, {d2_sql} AS d2"
    while True:
        box = clip(box_around(lat, lon, r), within)
        hits: list[Hit] = []
        if box is not None:
            source, source_params = _source(codes, box, join=bool(extra.sql))
            rest, rest_params = _conditions(
                lat=lat,
                lon=lon,
                radius_km=r,
                min_kw=min_kw,
                extra=extra,
                after=after,
                within=within,
            )
            rows = _fetch(
                f"{select}{source}{rest} ORDER BY d2, s.location_id LIMIT %s",
                [*d2_params, *source_params, *rest_params, k],
            )
            hits = [Hit(int(pk), KM_PER_DEGREE * float(d2) ** 0.5, float(d2)) for pk, d2 in rows]
        if len(hits) >= k or r >= radius_km or _covers(lat, lon, r, within):
            return hits
        r = min(r * _growth(found=len(hits), wanted=k), radius_km)


def _covers(lat: float, lon: float, radius_km: float, box: BBox | None) -> bool:
    """Whether the circle of radius_km around (lat, lon) holds all of `box` (growing further
    cannot find more)."""
    if box is None:
        return False
    corners = [(y, x) for y in (box.min_lat, box.max_lat) for x in (box.min_lon, box.max_lon)]
    scale = lon_scale(lat)
    return all(
        KM_PER_DEGREE * math.hypot(y - lat, (x - lon) * scale) <= radius_km for y, x in corners
    )


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
    within: BBox | None = None,
    up_to: int | None = None,
) -> int:
    """How many locations having one of `codes` lie within radius_km (and inside `within`).

    With `up_to`, counting stops after up_to + 1 locations: the answer is exact when it is at
    most `up_to`, and only says "more" otherwise (a dense city costs per row counted).
    """
    box = clip(box_around(lat, lon, radius_km), within)
    if box is None:
        return 0
    source, source_params = _source(codes, box, join=bool(extra.sql))
    rest, rest_params = _conditions(
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        min_kw=min_kw,
        extra=extra,
        after=None,
        within=within,
    )
    rows = f"SELECT {'DISTINCT ' if len(codes) > 1 else ''}s.location_id{source}{rest}"
    params = [*source_params, *rest_params]
    if up_to is not None:
        # A literal, not a parameter: a prepared statement's generic plan would not know how
        # few rows it stops at, and could read the whole box into a bitmap first.
        rows += f" LIMIT {int(up_to) + 1}"
    ((count,),) = _fetch(f"SELECT COUNT(*) FROM ({rows}) AS t", params)
    return int(count)


def estimate_locations(
    *, code: int, box: BBox, near: tuple[float, float] | None = None, radius_km: float = 0.0
) -> float:
    """About how many public locations having `code` lie inside `box` (and, with `near`,
    within radius_km of it), from the SearchCell counts.

    A cell wholly inside the box counts whole; one cut by the box's edge counts by the share
    of its area inside (density assumed even within a 1/50-degree cell). With a circle, a cell
    counts when its centre lies inside it. Reads one aggregate over the cells' index range.
    """
    y0, x0 = cell_of(box.min_lat, box.min_lon)
    y1, x1 = cell_of(box.max_lat, box.max_lon)

    def share(low: float, high: float, first: int, last: int, column: str) -> tuple[str, list[Any]]:
        """CASE giving the part of each cell's side inside [low, high]."""
        size = 1.0 / CELLS_PER_DEGREE
        if first == last:
            return "%s", [(high - low) / size]
        head = ((first + 1) * size - low) / size
        tail = (high - last * size) / size
        return f"CASE WHEN {column} = %s THEN %s WHEN {column} = %s THEN %s ELSE 1 END", [
            first,
            head,
            last,
            tail,
        ]

    wy, wy_params = share(box.min_lat, box.max_lat, y0, y1, "cell_y")
    wx, wx_params = share(box.min_lon, box.max_lon, x0, x1, "cell_x")
    sql = (
        f"SELECT SUM(locations * {wy} * {wx}) FROM registry_searchcell"
        " WHERE code = %s AND cell_y BETWEEN %s AND %s AND cell_x BETWEEN %s AND %s"
        " AND locations > 0"
    )
    params: list[Any] = [*wy_params, *wx_params, code, y0, y1, x0, x1]
    if near is not None:
        lat, lon = near
        half = 0.5 / CELLS_PER_DEGREE
        cy = f"(cell_y * {1.0 / CELLS_PER_DEGREE!r} + {half!r})"
        cx = f"(cell_x * {1.0 / CELLS_PER_DEGREE!r} + {half!r})"
        sql += f" AND ({cy} - %s) * ({cy} - %s) + ({cx} - %s) * ({cx} - %s) * %s <= %s"
        r_deg = radius_km / KM_PER_DEGREE
        params += [lat, lat, lon, lon, lon_scale(lat) ** 2, r_deg * r_deg]
    ((total,),) = _fetch(sql, params)
    return float(total or 0.0)


def in_box_sql(*, box: BBox, codes: Sequence[int]) -> tuple[str, list[Any]]:
    """A subquery of location ids inside `box` having one of `codes`, for ORM filters."""
    source, params = _source(codes, box, join=False)
    return f"SELECT s.location_id{source}", params
