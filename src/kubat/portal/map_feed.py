"""The map's data: filter options for the page and compact markers for a view.

The browser asks /portal-api/markers for the box it shows (padded), with the map's filters, and
gets one row per location: [id, lat, lon, class, kW, name, city, EVSEs, live status, price]
(price: [amount incl. VAT, currency, VAT stated, "DC" or "AC"] of the cheapest priced EVSE's
reference session, registry.pricing, or null; a "price up to" filter keeps only locations
with an EVSE at most `max_price` in `currency`, never converting currencies). Arrays
instead of objects keep 10,000 markers near 600 kB of JSON (about 150 kB gzipped) and parse in
a few milliseconds; registry.selectors.map_points does the query (at most 20,000 rows).

The status filter is the marker's own live status (registry.selectors.live_status): the
database first keeps locations with an EVSE in one of the matching EVSE states, then the exact
live status is compared here, so "Out of service" never shows a location that also has an
available point.

Dense views are clustered here, not in the browser. When the padded box holds more than
SERVER_CLUSTER_ABOVE locations and the map is below CLIENT_ZOOM, the answer has mode
"clusters": one entry per CELL_PX × CELL_PX screen cell of the Web Mercator grid at the map's
zoom, [lat, lon, count, available], placed at the mean position of its members, plus the
LIST_ROWS locations nearest the view's centre (for the list beside the map) and the count in
the exact view (`in_view`, with `in_view_kind` "exact", "about" or "more_than": when the
markers stopped at the limit, the count comes from the registry's bounded total). Drawing a
few hundred cluster icons instead of building 10,000 markers in the browser is what keeps a
national view under the 2 s budget on a slow phone (bench/map_render.py).
Otherwise the mode is "points" and Leaflet.markercluster clusters in the browser.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from kubat.core.countries import to_alpha2
from kubat.core.errors import InvalidInput
from kubat.core.geo import equirect_km, parse_bbox, parse_number
from kubat.portal import labels
from kubat.registry import selectors as registry_selectors
from kubat.registry.enums import STANDARD_CODES

FIELDS = ["id", "lat", "lon", "class", "kw", "name", "city", "evses", "status", "price"]
SERVER_CLUSTER_ABOVE = 2000
CLIENT_ZOOM = 14  # from this zoom on, the browser always gets points
CELL_PX = 80
LIST_ROWS = 50
# How long a clusters answer is reused: the feed's Cache-Control max-age (portal.views.markers).
CLUSTER_CACHE_SECONDS = 15


def parse_filters(params: Mapping[str, str]) -> tuple[registry_selectors.LocationFilters, str]:
    """LocationFilters and the live-status filter ('' for any) from the map's query string.

    Raises InvalidInput naming the parameter for a value that is not a country, connector,
    number, status or box.
    """
    country = (params.get("country") or "").strip()
    connector = (params.get("connector") or "").strip()
    if connector and connector not in STANDARD_CODES:
        raise InvalidInput(
            _("unknown connector standard %(connector)r") % {"connector": connector},
            field="connector",
        )
    status = (params.get("status") or "").strip().upper()
    if status and status not in labels.LIVE_STATUSES:
        raise InvalidInput(_("unknown status %(status)r") % {"status": status}, field="status")
    min_kw = params.get("min_kw") or ""
    bbox = params.get("bbox") or ""
    text = (params.get("text") or "").strip()
    if len(text) > 100:
        raise InvalidInput(_("at most 100 characters"), field="text")
    max_price_text = (params.get("max_price") or "").strip()
    currency = (params.get("currency") or "").strip().upper()
    max_price = None
    if max_price_text:
        amount = parse_number(max_price_text, field="max_price", low=0, high=1e9)
        if not (len(currency) == 3 and currency.isalpha()):
            raise InvalidInput(_("max_price needs currency (ISO 4217, e.g. KGS)"), field="currency")
        max_price = (amount, currency)
    filters = registry_selectors.LocationFilters(
        country_code=to_alpha2(country, field="country") if country else None,
        standards=(connector,) if connector else (),
        min_kw=parse_number(min_kw, field="min_kw", low=0, high=2000) if min_kw else None,
        statuses=labels.LIVE_STATUS_EVSE[status] if status else (),
        operator=(params.get("operator") or "").strip() or None,
        bbox=parse_bbox(bbox) if bbox else None,
        text=text or None,
        max_price=max_price,
    )
    return filters, status


def _price(prices: list[dict[str, Any]]) -> list[Any] | None:
    cheapest = registry_selectors.cheapest_price(prices)
    if cheapest is None:
        return None
    return [
        cheapest["incl_vat"],
        cheapest["currency"],
        cheapest["vat_stated"],
        cheapest["session"][:2],
    ]


def _rows(points: list[dict[str, Any]]) -> list[list[Any]]:
    """Marker rows with the price of each location (priced together: see location_prices)."""
    prices = registry_selectors.location_prices([p["id"] for p in points])
    return [[*_row(p), _price(prices.get(p["id"], []))] for p in points]


def _row(p: dict[str, Any]) -> list[Any]:
    return [
        p["id"],
        round(float(p["lat"]), 5),
        round(float(p["lon"]), 5),
        p["class"],
        p["kw"],
        p["name"],
        p["city"],
        p["evses"],
        p["status"],
    ]


def _mercator_cell(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    """The CELL_PX screen cell holding (lat, lon) at `zoom` (Web Mercator, 256 px tiles)."""
    scale = 256 * 2**zoom / CELL_PX
    lat = max(min(lat, 85.0), -85.0)
    x = (lon + 180.0) / 360.0 * scale
    siny = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + siny) / (1 - siny)) / (4 * math.pi)) * scale
    return int(x), int(y)


def cluster(points: list[dict[str, Any]], *, zoom: int) -> list[list[Any]]:
    """[lat, lon, count, available] per screen cell at `zoom`, at the members' mean position."""
    cells: dict[tuple[int, int], list[float]] = {}
    for p in points:
        key = _mercator_cell(p["lat"], p["lon"], zoom)
        acc = cells.setdefault(key, [0.0, 0.0, 0, 0])
        acc[0] += p["lat"]
        acc[1] += p["lon"]
        acc[2] += 1
        acc[3] += p["status"] == "AVAILABLE"
    return [
        [round(lat / n, 5), round(lon / n, 5), int(n), int(available)]
        for lat, lon, n, available in cells.values()
    ]


def _grid_per_degree(zoom: int) -> float:
    """Squares per degree for map_cells at `zoom`: eight to a cluster cell's width (CELL_PX
    at Web Mercator scale), so that a square rarely straddles two cells."""
    return 8 * 256 * 2**zoom / CELL_PX / 360.0


def cluster_cells(cells: list[tuple[float, float, int, int]], *, zoom: int) -> list[list[Any]]:
    """cluster() from registry_selectors.map_cells squares: each square goes, whole, to the
    screen cell of its members' mean position; a cluster sits at its members' mean position."""
    merged: dict[tuple[int, int], list[float]] = {}
    for sum_lat, sum_lon, n, available in cells:
        key = _mercator_cell(sum_lat / n, sum_lon / n, zoom)
        acc = merged.setdefault(key, [0.0, 0.0, 0, 0])
        acc[0] += sum_lat
        acc[1] += sum_lon
        acc[2] += n
        acc[3] += available
    return [
        [round(lat / n, 5), round(lon / n, 5), int(n), int(available)]
        for lat, lon, n, available in merged.values()
    ]


def _cache_key(params: Mapping[str, str], threshold: int) -> str:
    """The cache key of a clusters answer: the query (sorted) and the bounds that shape it."""
    query = sorted((k, params.get(k) or "") for k in params)
    bounds = (threshold, registry_selectors.MAP_POINT_LIMIT, registry_selectors.EXACT_TOTAL_UP_TO)
    digest = hashlib.sha256(repr((query, bounds)).encode()).hexdigest()
    return f"kubat:map-clusters:{digest}"


def markers(params: Mapping[str, str], *, cluster_above: int | None = None) -> dict[str, Any]:
    """The map's answer for a view; see the module doc for the two modes and the row shape.

    Query: the filters of parse_filters, `zoom` (integer map zoom) and `view` (the exact visible
    box, for the list and its count). Raises InvalidInput naming a malformed parameter.
    """
    filters, status = parse_filters(params)
    zoom_text = params.get("zoom") or ""
    zoom = int(parse_number(zoom_text, field="zoom", low=0, high=22)) if zoom_text else None
    threshold = SERVER_CLUSTER_ABOVE if cluster_above is None else cluster_above
    view_text = params.get("view") or ""
    view = parse_bbox(view_text, field="view") if view_text else filters.bbox
    if zoom is not None and zoom < CLIENT_ZOOM and not status:
        # Clusters from counts per grid square (one GROUP BY), not from every point. The
        # GROUP BY still reads every matching location (about 3 s at 1,000,000 EVSEs), so the
        # answer is kept for the feed's own max-age: a national view is the same for everyone.
        key = _cache_key(params, threshold)
        cached = cache.get(key)
        if cached is not None:
            return cached
        cells = registry_selectors.map_cells(filters=filters, per_degree=_grid_per_degree(zoom))
        count = sum(c[2] for c in cells)
        if count > threshold:
            body = _clusters(filters, cells, view=view, zoom=zoom, count=count)
            cache.set(key, body, CLUSTER_CACHE_SECONDS)
            return body
    limit = registry_selectors.MAP_POINT_LIMIT
    points: list[dict[str, Any]] = [
        p
        for p in registry_selectors.map_points(filters=filters, limit=limit)
        if not status or p["status"] == status
    ]
    truncated = len(points) >= limit
    if zoom is None or zoom >= CLIENT_ZOOM or len(points) <= threshold:
        rows = _rows(points)
        return {
            "mode": "points",
            "fields": FIELDS,
            "rows": rows,
            "count": len(rows),
            "truncated": truncated,
        }
    # A live-status filter: the status is the marker's own, known only point by point.
    in_view = [
        p
        for p in points
        if view is None
        or (view.min_lat <= p["lat"] <= view.max_lat and view.min_lon <= p["lon"] <= view.max_lon)
    ]
    if view is not None:
        lat0, lon0 = (view.min_lat + view.max_lat) / 2, (view.min_lon + view.max_lon) / 2
        in_view.sort(key=lambda p: equirect_km(lat0, lon0, p["lat"], p["lon"]))
    in_view_total = registry_selectors.Total(len(in_view))
    if truncated:
        # The markers stopped at the limit, so counting them undercounts the view; the
        # registry does not know the live status, so only "more than" is known.
        in_view_total = registry_selectors.Total(
            len(in_view), registry_selectors.TotalKind.MORE_THAN
        )
    return {
        "mode": "clusters",
        "fields": FIELDS,
        "clusters": cluster(points, zoom=zoom),
        "rows": _rows(in_view[:LIST_ROWS]),
        "in_view": in_view_total.value,
        "in_view_kind": in_view_total.kind.value,
        "count": len(points),
        "truncated": truncated,
    }


def _clusters(
    filters: registry_selectors.LocationFilters,
    cells: list[tuple[float, float, int, int]],
    *,
    view: Any,
    zoom: int,
    count: int,
) -> dict[str, Any]:
    """The clusters answer from map_cells: the list is the registry's search of the view (the
    LIST_ROWS nearest its centre) and its total (exact up to the registry's bound, then
    "about"); `truncated` says the point answer would have stopped at MAP_POINT_LIMIT."""
    if view is not None:
        page = registry_selectors.search_locations(
            filters=replace(filters, bbox=view), limit=LIST_ROWS
        )
        ids = [location.pk for location in page.items]
        in_view_total = registry_selectors.Total(page.total, page.total_kind)
    else:
        points = registry_selectors.map_points(filters=filters, limit=LIST_ROWS)
        ids = [cast(int, p["id"]) for p in points]
        in_view_total = registry_selectors.Total(count)
    return {
        "mode": "clusters",
        "fields": FIELDS,
        "clusters": cluster_cells(cells, zoom=zoom),
        "rows": _rows(registry_selectors.map_points_of(location_ids=ids)),
        "in_view": in_view_total.value,
        "in_view_kind": in_view_total.kind.value,
        "count": count,
        "truncated": count >= registry_selectors.MAP_POINT_LIMIT,
    }


def page_context() -> dict[str, Any]:
    """Filter options (only values present in the registry), legend and the JS configuration."""
    stats = registry_selectors.national_stats()
    connectors = sorted(
        stats["connectors_by_standard"],  # type: ignore[call-overload]
        key=lambda s: labels.label(labels.CONNECTORS, s),
    )
    operators = sorted(
        stats["locations_by_operator"],  # type: ignore[call-overload]
        key=lambda o: o["name"],
    )
    config = {
        "markersUrl": reverse("portal:markers"),
        "locationUrl": reverse("portal:location", args=[0]).replace("/0/", "/{id}/"),
        "bordersUrl": settings.STATIC_URL + "portal/borders-kg-kz.json",
        "tileUrl": settings.KUBAT_MAP_TILE_URL,
        "tileAttribution": settings.KUBAT_MAP_TILE_ATTRIBUTION,
        "classes": {k: str(v) for k, v in labels.CLASSES.items()},
        "statuses": {k: str(v) for k, v in labels.LIVE_STATUSES.items()},
        "text": {
            "inView": _("%(count)s locations in view"),
            "inViewAbout": _("about %(count)s locations in view"),
            "inViewMore": _("more than %(count)s locations in view"),
            "shownFirst": _("showing the nearest %(shown)s to the centre"),
            "details": _("Details"),
            "points": _("charging points: %(count)s"),
            "loading": _("Loading stations…"),
            "failed": _("Could not load stations. Please try again."),
            "noGeo": _("Your browser did not share a location."),
            "located": _("Showing stations near you."),
            "noMatch": _("No station matches this search."),
            "matches": _("%(count)s stations match the search."),
            "youAreHere": _("You are here"),
            "kw": _("kW"),
            "cluster": _("%(count)s stations, %(available)s available: zoom in"),
            "priceFrom": _("from %(price)s %(currency)s"),
            "inclVat": _("incl. VAT"),
            "noVat": _("no VAT stated"),
            "sessionDC": _("30 kWh in 45 minutes, the reference DC session"),
            "sessionAC": _("11 kWh in 2 hours, the reference AC session"),
        },
    }
    return {
        "countries": [(code, labels.COUNTRIES[code]) for code in ("KG", "KZ")],
        "connectors": [(s, labels.label(labels.CONNECTORS, s)) for s in connectors],
        "operators": [(o["party"], o["name"]) for o in operators],
        "statuses": list(labels.LIVE_STATUSES.items()),
        "classes": list(labels.CLASSES.items()),
        "min_kw_options": [7, 22, 50, 100, 150],
        "currencies": registry_selectors.price_currencies(),
        "map_config": config,
    }
