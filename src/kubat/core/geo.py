"""Distances and boxes on the WGS84 sphere, in kilometres and decimal degrees.

Kubat ranks and reports distances with the equirectangular approximation taken at the query
latitude: d = R * sqrt(dlat^2 + (cos(lat0) * dlon)^2), angles in radians, R = 6371.0088 km
(the mean Earth radius). Within a few hundred kilometres it differs from the great-circle
distance by well under 1 %, and it is cheap enough for the database to sort by, so the order,
the cursor and the number shown to the user all come from the same formula.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.utils.translation import gettext

from kubat.core.errors import InvalidInput

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180.0  # about 111.19 km per degree of latitude


@dataclass(frozen=True, slots=True)
class BBox:
    """A box in decimal degrees: west and east longitudes, south and north latitudes."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


def lon_scale(lat: float) -> float:
    """cos(lat), floored so boxes near the poles stay finite."""
    return max(math.cos(math.radians(lat)), 0.01)


def equirect_km(lat0: float, lon0: float, lat: float, lon: float) -> float:
    """Distance in km from (lat0, lon0) by the module's approximation."""
    dlat = lat - lat0
    dlon = (lon - lon0) * lon_scale(lat0)
    return KM_PER_DEGREE * math.sqrt(dlat * dlat + dlon * dlon)


def box_around(lat: float, lon: float, radius_km: float) -> BBox:
    """The smallest box holding every point within radius_km by the module's approximation."""
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * lon_scale(lat))
    return BBox(
        min_lon=max(lon - dlon, -180.0),
        min_lat=max(lat - dlat, -90.0),
        max_lon=min(lon + dlon, 180.0),
        max_lat=min(lat + dlat, 90.0),
    )


def parse_number(text: str, *, field: str, low: float, high: float) -> float:
    """A number from `low` to `high` in a query string; InvalidInput naming `field` otherwise."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # also refuses NaN
        raise InvalidInput(
            gettext("must be a number from %(low)s to %(high)s")
            % {"low": f"{low:g}", "high": f"{high:g}"},
            field=field,
        )
    return value


# A coordinate in a query is a plain decimal, as maps and clients write one: no exponent, sign
# "+", spaces or digit separators (float() reads all of those). kubat.core.apischema publishes
# the same form, so the API document and the parser agree on every value.
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def parse_coordinate(text: str, *, field: str, low: float, high: float) -> float:
    """A plain decimal from `low` to `high` degrees; InvalidInput naming `field` otherwise."""
    if not _DECIMAL.fullmatch(text):
        raise InvalidInput(
            gettext("must be a decimal number from %(low)s to %(high)s")
            % {"low": f"{low:g}", "high": f"{high:g}"},
            field=field,
        )
    return parse_number(text, field=field, low=low, high=high)


def parse_bbox(text: str, *, field: str = "bbox") -> BBox:
    """`minlon,minlat,maxlon,maxlat` in decimal degrees, each minimum at most its maximum."""
    parts = text.split(",")
    if len(parts) != 4:
        raise InvalidInput(
            gettext("expected minlon,minlat,maxlon,maxlat, got %(text)r") % {"text": text},
            field=field,
        )
    min_lon, max_lon = (parse_coordinate(parts[i], field=field, low=-180, high=180) for i in (0, 2))
    min_lat, max_lat = (parse_coordinate(parts[i], field=field, low=-90, high=90) for i in (1, 3))
    if min_lon > max_lon or min_lat > max_lat:
        raise InvalidInput(gettext("a minimum is above its maximum"), field=field)
    return BBox(min_lon=min_lon, min_lat=min_lat, max_lon=max_lon, max_lat=max_lat)


def parse_lat_lon(text: str, *, field: str) -> tuple[float, float]:
    """`lat,lon` in decimal degrees."""
    parts = text.split(",")
    if len(parts) != 2:
        raise InvalidInput(gettext("expected lat,lon, got %(text)r") % {"text": text}, field=field)
    lat = parse_coordinate(parts[0], field=field, low=-90, high=90)
    lon = parse_coordinate(parts[1], field=field, low=-180, high=180)
    return lat, lon
