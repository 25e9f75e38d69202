"""Adequacy: the public charging power the fleet needs against the power in service.

Method (EU AFIR art. 3, the fleet-based target; factors from the country profile):

    need_kW = Σ_powertrain vehicles × kW per vehicle     (AFIR: BEV 1.3 kW, PHEV 0.8 kW)
    gap_kW  = need_kW - installed_kW                     (positive: the network is short)

Units: kW of rated power (an EVSE counts its best connector's power once: it charges one car
at a time); vehicles are registrations, cumulative to the end of the year. Caveats: the fleet
is every registration ever made (part 1 has no retirement curve), so it overstates an old
fleet slightly; series hybrids (EREV) count with the PHEV factor unless the profile says
otherwise; HEVs have no plug and need nothing. "Installed" is public EVSEs in service:
PLANNED and REMOVED EVSEs and unpublished locations are not supply (see `sources`).

Everything here is pure: plain rows in, plain dicts out, so the figures can be checked by hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from kubat.insights.regions import region_key, region_label

PLUG_IN_HYBRIDS = ("PHEV", "EREV")


def need_kw(vehicles: Mapping[str, int], *, kw_per_vehicle: Mapping[str, float]) -> float:
    """kW of public charging `vehicles` ({powertrain: count}) need; unknown powertrains 0 kW."""
    return round(sum(n * kw_per_vehicle.get(p, 0.0) for p, n in vehicles.items()), 3)


def _ratio(num: float, den: float, *, digits: int = 3) -> float | None:
    return round(num / den, digits) if den else None


def region_row(
    *,
    region: str,
    vehicles: Mapping[str, int],
    kw_per_vehicle: Mapping[str, float],
    supply: Mapping[str, float],
    pipeline_kw: float,
) -> dict[str, Any]:
    """One region's figures. `supply` has kw, dc_kw, points, dc_points (in service).

    evs_per_point = plug-in vehicles / public points; dc_share_kw = DC kW / all kW;
    coverage = installed kW / needed kW (1.0 meets the rule).
    """
    bev = int(vehicles.get("BEV", 0))
    phev = int(sum(vehicles.get(p, 0) for p in PLUG_IN_HYBRIDS))
    need = need_kw(vehicles, kw_per_vehicle=kw_per_vehicle)
    kw, dc_kw = float(supply.get("kw", 0.0)), float(supply.get("dc_kw", 0.0))
    points, dc_points = int(supply.get("points", 0)), int(supply.get("dc_points", 0))
    return {
        "region": region,
        "bev": bev,
        "phev": phev,
        "need_kw": need,
        "installed_kw": round(kw, 1),
        "dc_kw": round(dc_kw, 1),
        "points": points,
        "dc_points": dc_points,
        "pipeline_kw": round(pipeline_kw, 1),
        "evs_per_point": _ratio(bev + phev, points, digits=1),
        "dc_share_kw": _ratio(dc_kw, kw),
        "dc_share_points": _ratio(dc_points, points),
        "gap_kw": round(need - kw, 1),
        "coverage": _ratio(kw, need),
    }


def adequacy_report(
    *,
    fleet: Iterable[tuple[str, int, str, int]],
    supply: Iterable[Mapping[str, Any]],
    planned: Iterable[Mapping[str, Any]],
    permits: Iterable[Mapping[str, Any]],
    snapshots: Iterable[Mapping[str, Any]],
    kw_per_vehicle: Mapping[str, float],
    year: int,
) -> dict[str, Any]:
    """Adequacy of one country at the end of `year`, per region, with the trend by year.

    fleet: (region, year registered, powertrain, vehicles); supply: {region, dc, kw, points}
    in service now; planned: {region, kw} of PLANNED EVSEs; permits: {region, total_kw} of
    applications in progress; snapshots: {region, year, installed_kw, dc_kw, points, dc_points}
    recorded at past year ends. Regions are matched by `region_key`.
    """
    names: dict[str, set[str]] = defaultdict(set)
    by_year: dict[str, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for region, reg_year, powertrain, n in fleet:
        key = region_key(region)
        names[key].add(region)
        cell = by_year[key][reg_year]
        cell[powertrain] = cell.get(powertrain, 0) + n
    now: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in supply:
        key = region_key(row["region"])
        names[key].add(row["region"])
        here = now[key]
        here["kw"] += row["kw"]
        here["points"] += row["points"]
        if row["dc"]:
            here["dc_kw"] += row["kw"]
            here["dc_points"] += row["points"]
    pipeline: dict[str, float] = defaultdict(float)
    for row in planned:
        names[region_key(row["region"])].add(row["region"])
        pipeline[region_key(row["region"])] += float(row["kw"])
    for row in permits:
        names[region_key(row["region"])].add(row["region"])
        pipeline[region_key(row["region"])] += float(row["total_kw"])
    past: dict[int, dict[str, dict[str, float]]] = defaultdict(dict)
    for row in snapshots:
        names[region_key(row["region"])].add(row["region"])
        past[int(row["year"])][region_key(row["region"])] = {
            "kw": row["installed_kw"],
            "dc_kw": row["dc_kw"],
            "points": row["points"],
            "dc_points": row["dc_points"],
        }

    def vehicles_until(key: str, last: int) -> dict[str, int]:
        total: dict[str, int] = defaultdict(int)
        for reg_year, cell in by_year.get(key, {}).items():
            if reg_year <= last:
                for powertrain, n in cell.items():
                    total[powertrain] += n
        return total

    rows = [
        region_row(
            region=region_label(names[key]),
            vehicles=vehicles_until(key, year),
            kw_per_vehicle=kw_per_vehicle,
            supply=now.get(key, {}),
            pipeline_kw=pipeline.get(key, 0.0),
        )
        for key in names
    ]
    rows.sort(key=lambda r: (-r["gap_kw"], r["region"]))
    totals_vehicles: dict[str, int] = defaultdict(int)
    for key in names:
        for powertrain, n in vehicles_until(key, year).items():
            totals_vehicles[powertrain] += n
    totals_supply: dict[str, float] = defaultdict(float)
    for supplied in now.values():
        for name, value in supplied.items():
            totals_supply[name] += value
    total = region_row(
        region="",
        vehicles=totals_vehicles,
        kw_per_vehicle=kw_per_vehicle,
        supply=totals_supply,
        pipeline_kw=sum(pipeline.values()),
    )
    total.pop("region")
    years = {y for cells in by_year.values() for y in cells} | set(past) | {year}
    trend = []
    for trend_year in range(min(years), year + 1):
        vehicles: dict[str, int] = defaultdict(int)
        for key in names:
            for powertrain, n in vehicles_until(key, trend_year).items():
                vehicles[powertrain] += n
        need = need_kw(vehicles, kw_per_vehicle=kw_per_vehicle)
        if trend_year == year:
            installed: float | None = totals_supply.get("kw", 0.0)
        elif trend_year in past:
            installed = sum(c["kw"] for c in past[trend_year].values())
        else:
            installed = None  # no snapshot of that year: unknown, not zero
        trend.append(
            {
                "year": trend_year,
                "bev": vehicles.get("BEV", 0),
                "phev": sum(vehicles.get(p, 0) for p in PLUG_IN_HYBRIDS),
                "need_kw": need,
                "installed_kw": None if installed is None else round(installed, 1),
                "gap_kw": None if installed is None else round(need - installed, 1),
                "coverage": None if installed is None else _ratio(installed, need),
            }
        )
    return {"year": year, "totals": total, "regions": rows, "trend": trend}
