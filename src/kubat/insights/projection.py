"""Fleet projection: a stock-flow model of the plug-in fleet and the public power it needs.

Method, per country and year t (vehicles; kW as in `adequacy`):

    additions(t) = quota(t) × uptake + domestic(t) × home_share + other(t)
    stock(t)     = Σ_v additions(v) × S(t - v)        S(a) = exp(-(a / scale)^shape)
    retired(t)   = stock(t - 1) + additions(t) - stock(t)
    need(t)      = stock(t) × (bev_share × kW/BEV + (1 - bev_share) × kW/PHEV)

The past (years with registrations) uses the real registrations as additions, split by their
real powertrain; the future uses the scenario. quota(t) is the published quota volume of the
year (quotas selectors), or for later years the last published volume grown by
`quota_growth` a year; domestic(t) is recorded production (last known year held flat);
other(t) = `other_per_year` × (1 + `other_growth`)^(t - first future year). S is a Weibull
survival curve (`survival_scale_years`, `survival_shape`; defaults scale 18, shape 2.5 give a
median life of about 15 years, an assumption for a young fleet).

Supply if nothing changes: power in service now, plus the pipeline commissioned evenly over
`pipeline_years`, plus the commissioning trend (kW a year, from the year-end snapshots: the
average yearly increase), flat after the horizon of the data. The answer names the first year
the supply falls below the need ("falls below target"), or says it already is below.
Caveats: the scenario parameters are assumptions the secretariat edits; no price, income or
grid model; the survival curve has no data behind it yet.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Scenario:
    """One editable scenario; every rate a fraction, volumes in vehicles a year."""

    name: str
    quota_uptake: float = 0.95
    quota_growth: float = 0.0
    domestic_home_share: float = 0.7
    other_per_year: float = 1000.0
    other_growth: float = 0.1
    bev_share: float = 0.92
    survival_scale_years: float = 18.0
    survival_shape: float = 2.5
    pipeline_years: float = 2.0

    @classmethod
    def from_dict(cls, name: str, values: Mapping[str, Any]) -> Scenario:
        """A scenario from stored parameters; unknown keys are ignored, missing ones default."""
        known = {f.name for f in fields(cls)} - {"name"}
        return cls(name=name, **{k: float(v) for k, v in values.items() if k in known})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


LIMITS = {
    "quota_uptake": (0.0, 1.0),
    "quota_growth": (-0.5, 1.0),
    "domestic_home_share": (0.0, 1.0),
    "other_per_year": (0.0, 1_000_000.0),
    "other_growth": (-0.5, 1.0),
    "bev_share": (0.0, 1.0),
    "survival_scale_years": (1.0, 60.0),
    "survival_shape": (0.5, 10.0),
    "pipeline_years": (0.5, 10.0),
}

DEFAULT_SCENARIOS = {
    "low": {"quota_uptake": 0.7, "quota_growth": 0.0, "other_per_year": 500, "other_growth": 0.0},
    "central": {"quota_uptake": 0.95, "quota_growth": 0.05, "other_per_year": 1000},
    "high": {
        "quota_uptake": 1.0,
        "quota_growth": 0.15,
        "other_per_year": 2000,
        "other_growth": 0.2,
    },
}


def survival(age: float, *, scale: float, shape: float) -> float:
    """Share of a vintage still registered `age` years after registration (Weibull)."""
    return 1.0 if age <= 0 else math.exp(-((age / scale) ** shape))


def project(
    *,
    history: Mapping[int, Mapping[str, int]],
    quota_volumes: Mapping[int, int],
    domestic: Mapping[int, int],
    scenario: Scenario,
    kw_per_vehicle: Mapping[str, float],
    installed_kw: float,
    pipeline_kw: float,
    trend_kw_per_year: float,
    this_year: int,
    horizon: int,
) -> dict[str, Any]:
    """Stock, need and supply per year from the first year of `history` to `horizon`.

    history: {year: {powertrain: registrations}} up to this year; quota_volumes and domestic:
    {year: units}. See the module doc for the equations and the supply rule.
    """
    kw_bev = kw_per_vehicle.get("BEV", 0.0)
    kw_phev = kw_per_vehicle.get("PHEV", 0.0)
    start = min(history) if history else this_year
    last_quota = max(quota_volumes) if quota_volumes else None
    last_domestic = max(domestic) if domestic else None
    additions: dict[int, tuple[float, float]] = {}  # year -> (BEV, plug-in hybrids)
    for year in range(start, horizon + 1):
        if year <= this_year:
            row = history.get(year, {})
            bev = float(row.get("BEV", 0))
            hybrids = float(sum(n for p, n in row.items() if p in ("PHEV", "EREV")))
        else:
            if last_quota is None:
                quota = 0.0
            elif year in quota_volumes:
                quota = float(quota_volumes[year])
            else:
                quota = quota_volumes[last_quota] * (1 + scenario.quota_growth) ** (
                    year - last_quota
                )
            made = domestic.get(year, domestic[last_domestic] if last_domestic else 0)
            other = scenario.other_per_year * (1 + scenario.other_growth) ** (year - this_year - 1)
            total = quota * scenario.quota_uptake + made * scenario.domestic_home_share + other
            bev, hybrids = total * scenario.bev_share, total * (1 - scenario.bev_share)
        additions[year] = (bev, hybrids)
    rows = []
    previous = 0.0
    falls_below: int | None = None
    for year in range(start, horizon + 1):
        alive = [
            (b * s, h * s)
            for v, (b, h) in additions.items()
            if v <= year
            for s in [
                survival(
                    year - v, scale=scenario.survival_scale_years, shape=scenario.survival_shape
                )
            ]
        ]
        bev = sum(a[0] for a in alive)
        hybrids = sum(a[1] for a in alive)
        stock = bev + hybrids
        added = sum(additions[year])
        need = bev * kw_bev + hybrids * kw_phev
        supply: float | None = None
        if year >= this_year:
            ahead = year - this_year
            supply = (
                installed_kw
                + pipeline_kw * min(1.0, ahead / scenario.pipeline_years)
                + trend_kw_per_year * ahead
            )
            if falls_below is None and supply < need:
                falls_below = year
        rows.append(
            {
                "year": year,
                "projected": year > this_year,
                "additions": round(added),
                "retired": round(max(0.0, previous + added - stock)),
                "stock": round(stock),
                "bev": round(bev),
                "phev": round(hybrids),
                "need_kw": round(need, 1),
                "supply_kw": None if supply is None else round(supply, 1),
            }
        )
        previous = stock
    return {
        "scenario": scenario.as_dict(),
        "years": rows,
        "falls_below_target_in": falls_below,
        "already_below": falls_below == this_year,
    }
