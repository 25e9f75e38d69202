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
from collections.abc import Callable, Iterable, Mapping, Sequence
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
# (region spellings, DC standards, limit or None for all) of one set of stations
StationRequest = tuple[frozenset[str], frozenset[str], int | None]
# every request's stations, in location id order, at most its limit: one batch, one answer each
StationLookup = Callable[[Sequence[StationRequest]], list[list[Station]]]


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

    def lookup(requests: Sequence[StationRequest]) -> list[list[Station]]:
        found = []
        for regions, standards, limit in requests:
            match = [s for s in listed if s.region in regions and s.standards == standards]
            found.append(match[:limit])
        return found

    return compatibility_by_sets(
        cohorts=cohorts,
        models=models,
        station_sets=[(r, std, n) for (r, std), n in sets.items()],
        stations_of=lookup,
        top_additions=top_additions,
        stations_per_region=stations_per_region,
    )


def _most(a: int | None, b: int | None) -> int | None:
    """The larger of two limits, None (no limit) being the largest."""
    return None if a is None or b is None else max(a, b)


def _taken(count: int, limit: int | None) -> int:
    return count if limit is None else min(count, limit)


Candidate = tuple[int, int, str, str, frozenset[str], str]
# newly served in the region, more cars at the station, region key, label, set, standard


def _region_figures(
    label: str, cars: Mapping[str, int], here: Mapping[frozenset[str], int]
) -> tuple[dict[str, Any], dict[frozenset[str], int], list[tuple[int, int, frozenset[str], str]]]:
    """One region's row (without its stations), each set's reach, and its addition scores
    (newly served, more at the station, set, standard), all from the counts."""
    total = sum(cars.values())
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
        standards: sum(n for c, n in cars.items() if _inlets(c) & standards) for standards in here
    }
    scores = []
    inlets_here = {s for c in cars for s in _inlets(c)}
    for standards in here:
        for standard in sorted(inlets_here - standards):
            more_here = sum(
                n
                for c, n in cars.items()
                if standard in _inlets(c) and not (_inlets(c) & standards)
            )
            if more_here:
                scores.append(
                    (unserved_by_standard.get(standard, 0), more_here, standards, standard)
                )
    row = {
        "region": label,
        "vehicles": total,
        "dc_stations": sum(here.values()),
        "standards_present": sorted(present),
        "served_vehicles": served,
        "served_share": round(served / total, 4) if total else None,
        "cohorts": cohort_rows,
        "left_out": [c for c in cohort_rows if not c["served"]],
        "stations": [],
    }
    return row, reach, scores


def _listing(
    sizes: Mapping[frozenset[str], int],
    reach: Mapping[frozenset[str], int],
    limit: int | None,
) -> list[frozenset[str]]:
    """The sets whose stations a region lists: those reaching most cars, until `limit`
    stations are listed (a tie in reach is listed whole; the rows are cut after sorting)."""
    chosen: list[frozenset[str]] = []
    listed = 0
    last_reach: int | None = None
    for standards in sorted(sizes, key=lambda st: -reach[st]):
        if limit is not None and listed >= limit and reach[standards] != last_reach:
            break
        listed += _taken(sizes[standards], limit)
        chosen.append(standards)
        last_reach = reach[standards]
    return chosen


def _best_additions(
    candidates: list[Candidate], sizes: Mapping[tuple[str, frozenset[str]], int], top: int
) -> list[Candidate]:
    """The candidates the answer names: best score first, whole ties, until `top` rows (one
    row per station of the candidate's set)."""
    candidates = sorted(candidates, key=lambda c: (-c[0], -c[1]))
    chosen: list[Candidate] = []
    index = rows = 0
    while index < len(candidates) and rows < top:
        score = candidates[index][:2]
        while index < len(candidates) and candidates[index][:2] == score:
            rows += _taken(sizes[candidates[index][2], candidates[index][4]], top)
            chosen.append(candidates[index])
            index += 1
    return chosen


def _station_row(station: Station, reach: int, total: int) -> dict[str, Any]:
    return {
        "location_id": station.location_id,
        "name": station.name,
        "lat": station.lat,
        "lon": station.lon,
        "standards": sorted(station.standards),
        "dc_kw": station.dc_kw,
        "vehicles_served": reach,
        "share_of_region": round(reach / total, 4) if total else None,
    }


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
    those standards); stations_of(requests): for each (region spellings, standards, limit) the
    first `limit` of those stations in location id order (None: all). Stations with the same
    standards in a region reach the same cars, so everything is computed per set; which
    stations are listed follows from the sets' sizes alone, so every station the answer names
    is fetched in one batch, whatever the number of sets, stations and cars. Regions match by
    `region_key`.
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
    sizes = {(k, st): n for k, sets in by_region.items() for st, n in sets.items()}
    # Pass 1, from the counts: every figure, and which stations of which sets are named.
    regions: list[tuple[str, dict[str, Any], dict[frozenset[str], int], list[frozenset[str]]]]
    regions = []
    candidates: list[Candidate] = []
    for key in sorted(names):
        label = region_label(names[key])
        here = by_region.get(key, {})
        row, reach, scores = _region_figures(label, fleet.get(key, {}), here)
        regions.append((key, row, reach, _listing(here, reach, stations_per_region)))
        candidates.extend((new, more, key, label, st, add) for new, more, st, add in scores)
    chosen = _best_additions(candidates, sizes, top_additions)
    wanted: dict[tuple[str, frozenset[str]], int | None] = {}
    for cell, limit in [
        *(((key, st), stations_per_region) for key, _, _, sets in regions for st in sets),
        *(((c[2], c[4]), top_additions) for c in chosen),
    ]:
        wanted[cell] = _most(wanted[cell], limit) if cell in wanted else limit
    # Pass 2: one batch of look-ups, then the rows that name stations.
    cells = list(wanted)
    found = stations_of([(frozenset(spellings[k]), st, wanted[(k, st)]) for k, st in cells])
    fetched = dict(zip(cells, found, strict=True))
    for key, row, reach, sets in regions:
        station_rows = [
            _station_row(station, reach[st], row["vehicles"])
            for st in sets
            for station in fetched[(key, st)][:stations_per_region]
        ]
        station_rows.sort(key=lambda r: (-r["vehicles_served"], r["location_id"]))
        row["stations"] = station_rows[:stations_per_region]
    additions: list[dict[str, Any]] = [
        {
            "region": label,
            "location_id": station.location_id,
            "name": station.name,
            "add_standard": standard,
            "newly_served_in_region": newly,
            "more_vehicles_at_station": more_here,
        }
        for newly, more_here, key, label, standards, standard in chosen
        for station in fetched[(key, standards)][:top_additions]
    ]
    additions.sort(
        key=lambda a: (
            -a["newly_served_in_region"],
            -a["more_vehicles_at_station"],
            a["location_id"],
            a["add_standard"],
        )
    )
    rows = [row for _, row, _, _ in regions]
    vehicles = sum(r["vehicles"] for r in rows)
    served_all = sum(r["served_vehicles"] for r in rows)
    return {
        "vehicles": vehicles,
        "served_vehicles": served_all,
        "served_share": round(served_all / vehicles, 4) if vehicles else None,
        "regions": rows,
        "best_additions": additions[:top_additions],
    }
