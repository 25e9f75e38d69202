"""Server-rendered bar charts and the shipped country outlines."""

from __future__ import annotations

import json
from pathlib import Path

from kubat.portal import borders, charts

BORDERS = Path(borders.__file__).parent / "static" / "portal" / "borders-kg-kz.json"


def test_bars_scale_to_the_largest_value_and_sort_largest_first() -> None:
    rows = charts.bars({"b": 5, "a": 10, "c": 0}, names={"a": "Alpha"})
    assert [(r["label"], r["value"], r["pct"]) for r in rows] == [
        ("Alpha", 10, 100.0),
        ("b", 5, 50.0),
        ("c", 0, 0.0),
    ]
    assert charts.bars({}) == []


def test_shipped_borders_hold_both_countries_and_stay_small() -> None:
    data = json.loads(BORDERS.read_text())
    codes = {f["properties"]["code"] for f in data["features"]}
    assert codes == {"KG", "KZ"}
    assert BORDERS.stat().st_size < 60_000
    # Bishkek's longitude and latitude lie within Kyrgyzstan's outline box.
    kg = next(f for f in data["features"] if f["properties"]["code"] == "KG")
    points = [p for poly in kg["geometry"]["coordinates"] for ring in poly for p in ring]
    assert min(p[0] for p in points) < 74.57 < max(p[0] for p in points)
    assert min(p[1] for p in points) < 42.87 < max(p[1] for p in points)


def test_topojson_arcs_decode_and_reversed_arcs_join() -> None:
    topology = {
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "arcs": [[[0, 0], [2, 0], [0, 2]], [[0, 0], [0, 2], [2, 0]]],
    }
    arcs = borders.decode_arcs(topology)
    assert arcs[0] == [(0, 0), (2, 0), (2, 2)]
    assert borders.ring(arcs, [0, ~1]) == [(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]


def test_simplify_drops_points_within_tolerance_and_keeps_corners() -> None:
    line = [(0.0, 0.0), (1.0, 0.001), (2.0, 0.0), (2.0, 2.0)]
    assert borders.simplify(line, 0.01) == [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0)]
