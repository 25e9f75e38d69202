"""Figures as data for server-rendered SVG and Leaflet: numbers in, coordinates and widths out.

No arithmetic is left to the templates: every bar width, strip position and colour class is
computed here, in the figure's own units (percent of the widest value, or km of one shared
scale for the corridor strips, so strips of different roads compare by length).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kubat.insights.demand import settlements
from kubat.insights.regions import region_key

STRIP_WIDTH = 1000.0  # SVG user units of the longest corridor's strip


def coverage_class(coverage: float | None) -> str:
    """A colour class for installed/needed: short (< 50 %), behind (< 100 %), met, or none."""
    if coverage is None:
        return "none"
    if coverage < 0.5:
        return "short"
    if coverage < 1.0:
        return "behind"
    return "met"


def region_points(country: str, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Adequacy rows placed at their region's most populous settlement (WGS84 degrees), for
    the map; a region with no settlement in data/settlements.csv is left off the map."""
    seats: dict[str, dict[str, Any]] = {}
    for town in settlements():
        if town["country"] != country:
            continue
        key = region_key(town["region"])
        if key not in seats or town["population"] > seats[key]["population"]:
            seats[key] = town
    found = []
    for row in rows:
        seat = seats.get(region_key(row["region"]))
        if seat is None:
            continue
        found.append(
            {
                "region": row["region"],
                "lat": seat["lat"],
                "lon": seat["lon"],
                "need_kw": row["need_kw"],
                "installed_kw": row["installed_kw"],
                "gap_kw": row["gap_kw"],
                "coverage": row["coverage"],
                "class": coverage_class(row["coverage"]),
            }
        )
    return found


def trend_bars(trend: Sequence[Mapping[str, Any]], *, height: float = 200.0) -> dict[str, Any]:
    """SVG bars per year (100 units wide each): need and installed kW scaled to `height` units
    for the largest value of either; unknown installed power draws no bar."""
    top = max([t["need_kw"] for t in trend] + [t["installed_kw"] or 0 for t in trend] + [0])
    bars = []
    for i, t in enumerate(trend):
        need_h = height * t["need_kw"] / top if top else 0.0
        inst_h = height * (t["installed_kw"] or 0) / top if top else 0.0
        bars.append(
            {
                **t,
                "x": i * 100,
                "need_h": round(need_h, 1),
                "need_y": round(height - need_h, 1),
                "installed_h": round(inst_h, 1),
                "installed_y": round(height - inst_h, 1),
            }
        )
    return {"bars": bars, "width": max(100, 100 * len(bars)), "height": int(height + 20)}


def share_bars(rows: Iterable[Mapping[str, Any]], *, key: str) -> dict[str, Any]:
    """Horizontal SVG bars, one 12-unit row each: `pct` = 100 × row[key] (a share in [0, 1],
    None as 0) and `w` its width in units (400 for 100 %)."""
    bars = []
    for i, r in enumerate(rows):
        pct = round(100 * (r[key] or 0), 1)
        bars.append({**r, "pct": pct, "w": round(4 * pct, 1), "y": i * 12})
    return {"rows": bars, "height": 12 * len(bars) + 4}


def strips(reports: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Corridor strips on one km scale: x positions in SVG units for pools, gaps, passes."""
    longest = max((r["length_km"] for r in reports), default=0) or 1.0
    scale = STRIP_WIDTH / longest
    found = []
    for r in reports:
        forward = r["directions"]["forward"]
        found.append(
            {
                **r,
                "width": round(r["length_km"] * scale, 1),
                "km_per_unit": round(1 / scale, 4),
                "gap_boxes": [
                    {
                        **g,
                        "x": round(g["from_km"] * scale, 1),
                        "w": round(g["length_km"] * scale, 1),
                    }
                    for g in forward["gaps"]
                ],
                "pass_boxes": [
                    {
                        **p,
                        "x": round(p["from_km"] * scale, 1),
                        "w": max(2.0, round((p["to_km"] - p["from_km"]) * scale, 1)),
                    }
                    for p in r["passes"]
                ],
                "pool_ticks": [{**p, "x": round(p["km"] * scale, 1)} for p in r["pools"]],
                "gap_km_total": round(sum(g["length_km"] for g in forward["gaps"]), 1),
            }
        )
    return found


def projection_lines(
    report: Mapping[str, Any], *, width: float = 600.0, height: float = 220.0
) -> dict[str, Any]:
    """SVG polylines (points "x,y ...") of the kW needed under each scenario and of the supply
    if nothing changes (central scenario's pipeline pace), from this year to the horizon."""
    scenarios = report["scenarios"]
    years = [r["year"] for r in scenarios[0]["years"] if r["year"] >= report["this_year"]]
    values = [
        r[k] or 0
        for s in scenarios
        for r in s["years"]
        if r["year"] >= report["this_year"]
        for k in ("need_kw", "supply_kw")
    ]
    top = max([*values, 1.0])
    step = width / max(1, len(years) - 1)

    def line(rows: Sequence[Mapping[str, Any]], key: str) -> str:
        points = []
        for r in rows:
            if r["year"] < report["this_year"] or r[key] is None:
                continue
            x = (r["year"] - report["this_year"]) * step
            points.append(f"{x:.1f},{height - height * r[key] / top:.1f}")
        return " ".join(points)

    central = next(s for s in scenarios if s["scenario"]["name"] == "central")
    return {
        "width": width,
        "height": height,
        "need": [
            {"name": s["scenario"]["name"], "points": line(s["years"], "need_kw")}
            for s in scenarios
        ],
        "supply": line(central["years"], "supply_kw"),
        "ticks": [
            {"year": y, "x": round((y - report["this_year"]) * step, 1)}
            for y in years
            if (y - report["this_year"]) % 2 == 0
        ],
        "top_kw": round(top),
    }
