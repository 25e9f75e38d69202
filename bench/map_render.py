"""How long the portal map takes to draw 10,000 locations in headless chromium.

Method: a fresh SQLite database (or --database-url) gets the migrations and N generated
locations (default 10,000, marked source="demo", spread around the towns of Kyrgyzstan and
Kazakhstan with 1–4 EVSEs each) through registry services.bulk_create_locations, the path
imports use. gunicorn serves the site on 127.0.0.1 with no map tiles (KUBAT_MAP_TILE_URL
empty: the measure is ours, not a tile server's). Debian's chromium, driven by Playwright,
opens /map/ in a new browser context per run (cold HTTP cache) with a 1280×800 window; the
page records performance.now() when the last marker has been added to the cluster layer,
which is the time from navigation start to markers drawn (at this national view the server
sends clusters, see kubat.portal.map_feed; "cluster_mode" says which path ran). One warm-up
run is discarded, then the median and the spread of --runs runs are reported with the size
and time of the marker feed in both of its modes.

    .venv/bin/python bench/map_render.py [--locations 10000] [--runs 5]

Prints one JSON object; exit status 1 when the median misses --target-ms (default 2000).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Town centres from docs/facts.md: (country, lat, lon, weight)
TOWNS = [
    ("KG", 42.8746, 74.5698, 12),
    ("KG", 40.5283, 72.7985, 5),
    ("KG", 40.9333, 72.9815, 2),
    ("KG", 42.4907, 78.3936, 2),
    ("KG", 42.8421, 75.3015, 1),
    ("KG", 41.4287, 75.9911, 1),
    ("KZ", 51.1694, 71.4491, 14),
    ("KZ", 43.2389, 76.8897, 18),
    ("KZ", 42.3417, 69.5901, 6),
    ("KZ", 49.8047, 73.1094, 4),
    ("KZ", 50.2839, 57.1670, 3),
    ("KZ", 42.9000, 71.3667, 3),
    ("KZ", 52.2873, 76.9674, 3),
    ("KZ", 49.9483, 82.6279, 3),
    ("KZ", 47.1164, 51.8833, 3),
    ("KZ", 53.2198, 63.6354, 2),
    ("KZ", 44.8528, 65.5092, 2),
    ("KZ", 51.2333, 51.3667, 2),
    ("KZ", 54.8667, 69.1500, 2),
    ("KZ", 43.6500, 51.1667, 2),
]


def _env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KUBAT_DATABASE_URL=database_url,
        KUBAT_MAP_TILE_URL="",
        KUBAT_DEBUG="0",
        DJANGO_SETTINGS_MODULE="kubat.settings",
    )
    return env


def generate(count: int, seed: int) -> int:
    """Create `count` demo locations in one transaction; runs inside the bench's Django."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubat.settings")

    django.setup()
    from django.db import transaction

    from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
    from kubat.registry import services
    from kubat.registry.enums import Source

    rng = random.Random(seed)
    base = datetime(2026, 11, 1, tzinfo=UTC)
    with transaction.atomic():
        parties = {
            cc: [
                services.get_or_create_party(
                    country_code=cc,
                    party_id=f"B{i:02d}",
                    name=f"Bench {cc} {i}",
                    source=Source.DEMO,
                )
                for i in range(4)
            ]
            for cc in ("KG", "KZ")
        }
        weights = [t[3] for t in TOWNS]
        items = []
        for n in range(count):
            cc, lat0, lon0, _ = rng.choices(TOWNS, weights=weights)[0]
            r = 25 * math.sqrt(rng.random()) / 111.19
            a = rng.random() * 2 * math.pi
            lat = lat0 + r * math.sin(a)
            lon = lon0 + r * math.cos(a) / math.cos(math.radians(lat0))
            party = rng.choice(parties[cc])
            evses = []
            for e in range(rng.choice([1, 2, 2, 3, 4])):
                dc = rng.random() < 0.5
                kw = rng.choice([30, 60, 120, 180]) if dc else rng.choice([7, 11, 22])
                standard = rng.choice(["GBT_DC", "IEC_62196_T2_COMBO"]) if dc else "GBT_AC"
                evses.append(
                    {
                        "uid": f"B{n}-{e}",
                        "status": rng.choice(["AVAILABLE"] * 6 + ["CHARGING", "OUTOFORDER"]),
                        "connectors": [
                            {
                                "id": "1",
                                "standard": standard,
                                "format": "CABLE",
                                "power_type": "DC" if dc else "AC_3_PHASE",
                                "max_voltage": 750 if dc else 400,
                                "max_amperage": round(kw * 1000 / (750 if dc else 1200)),
                                "max_electric_power": kw * 1000,
                                "last_updated": base,
                            }
                        ],
                        "last_updated": base,
                    }
                )
            data = {
                "country_code": cc,
                "party_id": party.party_id,
                "id": f"BENCH-{n:06d}",
                "publish": True,
                "name": f"Bench station {n}",
                "address": f"Bench street {n}",
                "city": "Bench",
                "country": "KGZ" if cc == "KG" else "KAZ",
                "coordinates": {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"},
                "evses": evses,
                "time_zone": "Asia/Bishkek" if cc == "KG" else "Asia/Almaty",
                "last_updated": base - timedelta(minutes=n),
            }
            items.append((party, ocpi.Location.model_validate(data), "Bench"))
        services.bulk_create_locations(items=items, source=Source.DEMO)
    return count


def _wait_up(url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not answer within {timeout_s:.0f} s")


def measure(base_url: str, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    timings: list[float] = []
    wall: list[float] = []
    markers = 0
    mode = ""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for run in range(runs + 1):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            started = time.perf_counter()
            page.goto(base_url + "/map/")
            page.wait_for_selector("html[data-map-state=ready]", timeout=60_000)
            elapsed = (time.perf_counter() - started) * 1000
            drawn_at = float(page.evaluate("window.kubatMarkersDrawnAt"))
            markers = int(page.get_attribute("html", "data-markers") or 0)
            mode = page.get_attribute("html", "data-cluster-mode") or ""
            context.close()
            if errors:
                raise SystemExit(f"page errors: {errors}")
            if run:  # run 0 warms gunicorn and the database cache
                timings.append(drawn_at)
                wall.append(elapsed)
        browser.close()
    return {"drawn_ms": timings, "wall_ms": wall, "markers": markers, "mode": mode}


def _feed(base_url: str) -> dict[str, Any]:
    """Time and size of the national view's answer as clusters (zoom 5) and as points."""
    out: dict[str, Any] = {}
    for name, query in (("clusters", "&zoom=5&view=46.5,39.2,87.3,55.4"), ("points", "")):
        started = time.perf_counter()
        url = f"{base_url}/portal-api/markers?bbox=38,34,96,61{query}"
        with urllib.request.urlopen(url, timeout=30) as response:
            body = response.read()
        out[f"feed_{name}_ms"] = round((time.perf_counter() - started) * 1000, 1)
        out[f"feed_{name}_bytes"] = len(body)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--locations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=8560)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--target-ms", type=float, default=2000.0)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        generate(args.locations, seed=42)
        return 0
    with tempfile.TemporaryDirectory(prefix="kubat-map-bench-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        env = _env(url)
        env["KUBAT_VAR_DIR"] = tmp
        kubat = str(BIN / "kubat")
        subprocess.run([kubat, "migrate", "--noinput", "-v0"], env=env, check=True)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--generate-only", "--locations", str(args.locations)],
            env=env,
            check=True,
        )
        generate_s = time.perf_counter() - started
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "kubat.wsgi:application",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        base_url = f"http://127.0.0.1:{args.port}"
        try:
            _wait_up(base_url + "/map/")
            result = measure(base_url, args.runs)
            feed = _feed(base_url)
        finally:
            server.terminate()
            server.wait(timeout=30)
    drawn = result["drawn_ms"]
    median = statistics.median(drawn)
    report = {
        "benchmark": "map_render",
        "locations": args.locations,
        "markers_drawn": result["markers"],
        "cluster_mode": result["mode"],
        "runs": len(drawn),
        "median_ms": round(median, 1),
        "min_ms": round(min(drawn), 1),
        "max_ms": round(max(drawn), 1),
        "runs_ms": [round(t, 1) for t in drawn],
        "wall_median_ms": round(statistics.median(result["wall_ms"]), 1),
        "target_ms": args.target_ms,
        "target_ratio": round(median / args.target_ms, 3),
        "meets_target": median < args.target_ms,
        "generate_s": round(generate_s, 1),
        "database": url.split(":", 1)[0],
        **feed,
    }
    print(json.dumps(report, indent=2))
    return 0 if report["meets_target"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
