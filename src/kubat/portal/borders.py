"""Generate static/portal/borders-kg-kz.json, the country outlines the map draws itself.

The map must show where the countries are even when no tile server answers, so it ships the
two outlines as a small GeoJSON file. Source: the npm package world-atlas 2.0.2, Natural Earth
1:50m admin-0 countries (public domain) as TopoJSON, quantised, WGS84 degrees. This module
decodes the TopoJSON arcs of Kyrgyzstan (ISO numeric 417) and Kazakhstan (398), simplifies each
ring with Douglas–Peucker at TOLERANCE_DEG degrees (about 1 km) and rounds to 4 decimals
(about 10 m), which keeps the file near 30 kB.

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m kubat.portal.borders package/countries-50m.json > \
        src/kubat/portal/static/portal/borders-kg-kz.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

TOLERANCE_DEG = 0.01
COUNTRIES = {"417": ("KG", "Kyrgyzstan"), "398": ("KZ", "Kazakhstan")}
Point = tuple[float, float]


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Absolute lon/lat arcs from a quantised, delta-encoded TopoJSON topology."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list[list[Point]], indexes: list[int]) -> list[Point]:
    """One closed ring from arc indexes (~i means arc i reversed), shared ends joined once."""
    points: list[Point] = []
    for index in indexes:
        arc = arcs[~index][::-1] if index < 0 else arcs[index]
        points.extend(arc[1:] if points else arc)
    return points


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas–Peucker in degrees; keeps the first and last point (iterative, no recursion)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        (x1, y1), (x2, y2) = points[start], points[end]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        best, best_i = 0.0, -1
        for i in range(start + 1, end):
            px, py = points[i]
            if norm == 0:
                d = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            else:
                d = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm
            if d > best:
                best, best_i = d, i
        if best > tolerance:
            keep[best_i] = True
            stack += [(start, best_i), (best_i, end)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def outlines(topology: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the two countries, properties {code, name}."""
    arcs = decode_arcs(topology)
    features: list[dict[str, Any]] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("id") not in COUNTRIES:
            continue
        code, name = COUNTRIES[geometry["id"]]
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        coordinates = [
            [
                [[round(x, 4), round(y, 4)] for x, y in simplify(ring(arcs, r), TOLERANCE_DEG)]
                for r in polygon
            ]
            for polygon in polygons
        ]
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": name},
                "geometry": {"type": "MultiPolygon", "coordinates": coordinates},
            }
        )
    features.sort(key=lambda f: f["properties"]["code"])
    return {
        "type": "FeatureCollection",
        "source": "Natural Earth 1:50m admin-0 via world-atlas 2.0.2; simplified",
        "features": features,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: python -m kubat.portal.borders countries-50m.json\n")
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        topology = json.load(handle)
    sys.stdout.write(json.dumps(outlines(topology), separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
