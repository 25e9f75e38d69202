"""Fleet–network compatibility: which registered cars can fast-charge at which DC stations.

Method: every registration is joined to its catalogue model's DC inlets (OCPI connector
standards: GBT_DC, IEC_62196_T2_COMBO, CHADEMO...). A car can fast-charge at a station when
one of its DC inlets is among the standards of the station's DC connectors in service. Cars
are grouped into cohorts by their set of DC inlets; per region:

    served share = cars with at least one usable DC station in the region / all cars there

Cars without a DC inlet (most PHEVs) and cars whose model is not in the catalogue are their
own cohorts, never served; they are shown, not hidden. Adapters are not assumed. A station's
reach is the share of the region's fleet whose inlets match it; an "addition" is one more
standard at one station, scored by the cars in the region it would newly serve (cars no
station there can charge today), then by the cars it adds at that station.
Units: vehicles and shares in [0, 1]; no geometry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from kubat.insights.regions import region_key, region_label
from kubat.insights.sources import Station

NO_DC = "none"
UNKNOWN = "unknown"


def cohort_of(model: Mapping[str, Any] | None) -> str:
    """A cohort name: the model's DC inlets joined by '+', "none", or "unknown" (no model)."""
    if model is None:
        return UNKNOWN
    return "+".join(sorted(model["dc"])) or NO_DC


def _inlets(cohort: str) -> frozenset[str]:
    return frozenset() if cohort in (NO_DC, UNKNOWN) else frozenset(cohort.split("+"))


def compatibility_report(
    *,
    cohorts: Iterable[tuple[str, int | None, int]],
    models: Mapping[int, Mapping[str, Any]],
    stations: Iterable[Station],
    top_additions: int = 10,
    stations_per_region: int | None = None,
) -> dict[str, Any]:
    """Per region: fleet, served share, cohorts with their usable stations, station reach
    (the `stations_per_region` that reach most cars, or all when None).

    cohorts: (region, catalogue model id or None, vehicles); models: id → {dc: standards};
    stations: public DC stations in service. Regions match by `region_key`.
    """
    names: dict[str, set[str]] = defaultdict(set)
    fleet: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for region, model_id, n in cohorts:
        key = region_key(region)
        names[key].add(region)
        fleet[key][cohort_of(models.get(model_id) if model_id is not None else None)] += n
    by_region: dict[str, list[Station]] = defaultdict(list)
    for station in stations:
        key = region_key(station.region)
        names[key].add(station.region)
        by_region[key].append(station)
    regions: list[dict[str, Any]] = []
    additions: list[dict[str, Any]] = []
    for key in sorted(names):
        label = region_label(names[key])
        cars = fleet.get(key, {})
        total = sum(cars.values())
        here = by_region.get(key, [])
        present = frozenset().union(*(s.standards for s in here)) if here else frozenset()
        cohort_rows: list[dict[str, Any]] = []
        served = 0
        for cohort, n in sorted(cars.items(), key=lambda kv: -kv[1]):
            inlets = _inlets(cohort)
            usable = sum(1 for s in here if s.standards & inlets)
            if usable:
                served += n
            cohort_rows.append(
                {
                    "cohort": cohort,
                    "vehicles": n,
                    "share": round(n / total, 4) if total else None,
                    "stations": usable,
                    "served": usable > 0,
                }
            )
        unserved_by_standard: dict[str, int] = defaultdict(int)
        for cohort, n in cars.items():
            inlets = _inlets(cohort)
            if inlets and not (inlets & present):
                for standard in inlets:
                    unserved_by_standard[standard] += n
        station_rows: list[dict[str, Any]] = []
        for station in here:
            reach = sum(n for c, n in cars.items() if _inlets(c) & station.standards)
            station_rows.append(
                {
                    "location_id": station.location_id,
                    "name": station.name,
                    "lat": station.lat,
                    "lon": station.lon,
                    "standards": sorted(station.standards),
                    "dc_kw": station.dc_kw,
                    "vehicles_served": reach,
                    "share_of_region": round(reach / total, 4) if total else None,
                }
            )
            for standard in sorted({s for c in cars for s in _inlets(c)} - station.standards):
                more_here = sum(
                    n
                    for c, n in cars.items()
                    if standard in _inlets(c) and not (_inlets(c) & station.standards)
                )
                if more_here:
                    additions.append(
                        {
                            "region": label,
                            "location_id": station.location_id,
                            "name": station.name,
                            "add_standard": standard,
                            "newly_served_in_region": unserved_by_standard.get(standard, 0),
                            "more_vehicles_at_station": more_here,
                        }
                    )
        station_rows.sort(key=lambda r: (-r["vehicles_served"], r["location_id"]))
        regions.append(
            {
                "region": label,
                "vehicles": total,
                "dc_stations": len(here),
                "standards_present": sorted(present),
                "served_vehicles": served,
                "served_share": round(served / total, 4) if total else None,
                "cohorts": cohort_rows,
                "left_out": [c for c in cohort_rows if not c["served"]],
                "stations": station_rows[:stations_per_region],
            }
        )
    additions.sort(
        key=lambda a: (
            -a["newly_served_in_region"],
            -a["more_vehicles_at_station"],
            a["location_id"],
            a["add_standard"],
        )
    )
    vehicles = sum(r["vehicles"] for r in regions)
    served_all = sum(r["served_vehicles"] for r in regions)
    return {
        "vehicles": vehicles,
        "served_vehicles": served_all,
        "served_share": round(served_all / vehicles, 4) if vehicles else None,
        "regions": regions,
        "best_additions": additions[:top_additions],
    }
