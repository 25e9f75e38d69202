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
from collections.abc import Callable, Iterable, Mapping
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


StationSet = tuple[str, frozenset[str], int]  # region, DC standards, stations
StationLookup = Callable[[frozenset[str], frozenset[str], int | None], list[Station]]


def compatibility_report(
    *,
    cohorts: Iterable[tuple[str, int | None, int]],
    models: Mapping[int, Mapping[str, Any]],
    stations: Iterable[Station],
    top_additions: int = 10,
    stations_per_region: int | None = None,
) -> dict[str, Any]:
    """`compatibility_by_sets` over a list of stations (the from-rows computation, and tests)."""
    listed = sorted(stations, key=lambda s: s.location_id)
    sets: dict[tuple[str, frozenset[str]], int] = defaultdict(int)
    for station in listed:
        sets[(station.region, station.standards)] += 1

    def lookup(
        regions: frozenset[str], standards: frozenset[str], limit: int | None
    ) -> list[Station]:
        found = [s for s in listed if s.region in regions and s.standards == standards]
        return found[:limit]

    return compatibility_by_sets(
        cohorts=cohorts,
        models=models,
        station_sets=[(r, std, n) for (r, std), n in sets.items()],
        stations_of=lookup,
        top_additions=top_additions,
        stations_per_region=stations_per_region,
    )


def compatibility_by_sets(
    *,
    cohorts: Iterable[tuple[str, int | None, int]],
    models: Mapping[int, Mapping[str, Any]],
    station_sets: Iterable[StationSet],
    stations_of: StationLookup,
    top_additions: int = 10,
    stations_per_region: int | None = None,
) -> dict[str, Any]:
    """Per region: fleet, served share, cohorts with their usable stations, station reach
    (the `stations_per_region` that reach most cars, or all when None), best additions.

    cohorts: (region, catalogue model id or None, vehicles); models: id → {dc: standards};
    station_sets: (region, DC standards, number of public DC stations in service with exactly
    those standards); stations_of(region spellings, standards, limit): those stations, in
    location id order, at most `limit` (None: all). Stations with the same standards in a
    region reach the same cars, so everything is computed per set and only the stations that
    are listed are looked up. Regions match by `region_key`.
    """
    names: dict[str, set[str]] = defaultdict(set)
    fleet: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for region, model_id, n in cohorts:
        key = region_key(region)
        names[key].add(region)
        fleet[key][cohort_of(models.get(model_id) if model_id is not None else None)] += n
    by_region: dict[str, dict[frozenset[str], int]] = defaultdict(lambda: defaultdict(int))
    spellings: dict[str, set[str]] = defaultdict(set)
    for region, standards, count in station_sets:
        if count <= 0:
            continue
        key = region_key(region)
        names[key].add(region)
        spellings[key].add(region)
        by_region[key][standards] += count
    cache: dict[tuple[str, frozenset[str]], list[Station]] = {}

    def first(key: str, standards: frozenset[str], limit: int | None) -> list[Station]:
        """The first `limit` stations of a set (None: all), fetched once per set."""
        have = cache.get((key, standards))
        enough = have is not None and (
            len(have) >= by_region[key][standards] or (limit is not None and len(have) >= limit)
        )
        if have is None or not enough:
            have = stations_of(frozenset(spellings[key]), standards, limit)
            cache[(key, standards)] = have
        return have[:limit]

    regions: list[dict[str, Any]] = []
    candidates: list[tuple[int, int, str, str, frozenset[str], str]] = []
    for key in sorted(names):
        label = region_label(names[key])
        cars = fleet.get(key, {})
        total = sum(cars.values())
        here = by_region.get(key, {})
        present = frozenset().union(*here) if here else frozenset()
        cohort_rows: list[dict[str, Any]] = []
        served = 0
        # Largest first, ties by name: the order must not depend on the order rows arrive in.
        for cohort, n in sorted(cars.items(), key=lambda kv: (-kv[1], kv[0])):
            inlets = _inlets(cohort)
            usable = sum(count for standards, count in here.items() if standards & inlets)
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
        reach = {
            standards: sum(n for c, n in cars.items() if _inlets(c) & standards)
            for standards in here
        }
        wanted = {s for c in cars for s in _inlets(c)}
        for standards in here:
            for standard in sorted(wanted - standards):
                more_here = sum(
                    n
                    for c, n in cars.items()
                    if standard in _inlets(c) and not (_inlets(c) & standards)
                )
                if more_here:
                    newly = unserved_by_standard.get(standard, 0)
                    candidates.append((newly, more_here, key, label, standards, standard))
        station_rows: list[dict[str, Any]] = []
        listed = 0
        last_reach: int | None = None
        for standards in sorted(here, key=lambda st: -reach[st]):
            if (
                stations_per_region is not None
                and listed >= stations_per_region
                and reach[standards] != last_reach
            ):
                break
            for station in first(key, standards, stations_per_region):
                station_rows.append(
                    {
                        "location_id": station.location_id,
                        "name": station.name,
                        "lat": station.lat,
                        "lon": station.lon,
                        "standards": sorted(station.standards),
                        "dc_kw": station.dc_kw,
                        "vehicles_served": reach[standards],
                        "share_of_region": round(reach[standards] / total, 4) if total else None,
                    }
                )
            listed = len(station_rows)
            last_reach = reach[standards]
        station_rows.sort(key=lambda r: (-r["vehicles_served"], r["location_id"]))
        regions.append(
            {
                "region": label,
                "vehicles": total,
                "dc_stations": sum(here.values()),
                "standards_present": sorted(present),
                "served_vehicles": served,
                "served_share": round(served / total, 4) if total else None,
                "cohorts": cohort_rows,
                "left_out": [c for c in cohort_rows if not c["served"]],
                "stations": station_rows[:stations_per_region],
            }
        )
    additions: list[dict[str, Any]] = []
    candidates.sort(key=lambda c: (-c[0], -c[1]))
    index = 0
    while index < len(candidates) and len(additions) < top_additions:
        score = candidates[index][:2]
        tied = []
        while index < len(candidates) and candidates[index][:2] == score:
            tied.append(candidates[index])
            index += 1
        for newly, more_here, key, label, standards, standard in tied:
            for station in first(key, standards, top_additions):
                additions.append(
                    {
                        "region": label,
                        "location_id": station.location_id,
                        "name": station.name,
                        "add_standard": standard,
                        "newly_served_in_region": newly,
                        "more_vehicles_at_station": more_here,
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
