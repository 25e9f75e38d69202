"""The indicators a target can name, each computed live from Kubat's own data.

Every indicator is a function of (country, region or "", year) returning its value, or None
when Kubat has no data for it. Units are in `unit`; `falls` marks an indicator that should
go down (EVs per point, corridor gaps, permit days). `regional` says whether it exists per
region; a national-only indicator refuses a region (services.add_target).

Sources, all read through the owning app's selectors:
- fleet registrations (insights.sources over kubat.fleet), public locations (registry
  counters), the adequacy report (insights, the country's rule of kW per vehicle), corridor
  gaps (insights.corridors, gaps over the profile's rule in either direction), permit median
  days (permits.statistics), quota uptake (quotas.selectors), domestic production against plan
  (fleet.services.production_report) and CO2 avoided (`emissions`, this app).
- Reliability of the public charging points over the year by the UK Public Charge Point
  Regulations 2023 reg. 7 method (insights.selectors.reliability_for over the registry's status
  rollups), in per cent: every point, and the rapid points (50 kW and up, the profile's
  `reliability.rapid_min_kw`) that the regulation's 99 % target is about. None until a status
  history has been measured for the country (or region) in that year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kubat.fleet import services as fleet_services
from kubat.insights import selectors as insights_selectors
from kubat.insights import sources as insights_sources
from kubat.permits import statistics as permit_statistics
from kubat.quotas import selectors as quota_selectors
from kubat.registry import reliability as registry_reliability
from kubat.registry import selectors as registry_selectors
from kubat.strategy import emissions

Compute = Callable[[str, str, int], float | None]


@dataclass(frozen=True, slots=True)
class Indicator:
    key: str
    label: str | Promise
    unit: str | Promise
    compute: Compute
    falls: bool = False
    regional: bool = True


def _fleet(country: str, region: str, year: int, *, in_year: bool) -> float | None:
    rows = insights_sources.fleet_counts(country_code=country)
    if not rows:
        return None
    return float(
        sum(
            n
            for r, y, _p, n in rows
            if (not region or r == region) and (y == year if in_year else y <= year)
        )
    )


def evs_registered(country: str, region: str, year: int) -> float | None:
    return _fleet(country, region, year, in_year=False)


def evs_registered_in_year(country: str, region: str, year: int) -> float | None:
    return _fleet(country, region, year, in_year=True)


def public_locations(country: str, region: str, year: int) -> float | None:
    stats = registry_selectors.national_stats(country_code=country)
    if region:
        by_region: dict[str, int] = stats["locations_by_region"]  # type: ignore[assignment]
        return float(by_region.get(region, 0))
    return float(stats["locations"])  # type: ignore[arg-type]


def _adequacy_row(country: str, region: str) -> dict[str, Any] | None:
    report = insights_selectors.published_report(kind="adequacy", country=country)
    if not region:
        return dict(report["totals"])
    return next((dict(r) for r in report["regions"] if r["region"] == region), None)


def public_kw_per_bev(country: str, region: str, year: int) -> float | None:
    row = _adequacy_row(country, region)
    if not row or not row.get("bev"):
        return None
    return round(float(row["installed_kw"]) / float(row["bev"]), 3)


def evs_per_point(country: str, region: str, year: int) -> float | None:
    row = _adequacy_row(country, region)
    if not row or row.get("evs_per_point") is None:
        return None
    return float(row["evs_per_point"])


def corridor_gaps(country: str, region: str, year: int) -> float | None:
    corridors = insights_selectors.corridor_list(country=country)
    if not corridors:
        return None
    gaps = 0
    for corridor in corridors:
        report = insights_selectors.corridor_report(corridor=corridor)
        gaps += sum(len(d["gaps"]) for d in report["directions"].values())
    return float(gaps)


def permit_median_days(country: str, region: str, year: int) -> float | None:
    stats = permit_statistics.permit_statistics(country_code=country)
    median = stats["countries"][country]["days_to_permit"]["median_days"]
    return None if median is None else float(median)


def quota_uptake_pct(country: str, region: str, year: int) -> float | None:
    period = quota_selectors.periods().filter(country_code=country, year=year).first()
    if period is None:
        return None
    return float(quota_selectors.period_summary(period=period)["used_pct"])


def domestic_production_pct(country: str, region: str, year: int) -> float | None:
    rows = [r for r in fleet_services.production_report(country_code=country) if r["year"] == year]
    planned = sum(r["planned_units"] or 0 for r in rows)
    produced = [r["produced_units"] for r in rows if r["produced_units"] is not None]
    if not planned or not produced:
        return None
    return round(100.0 * sum(produced) / planned, 1)


def co2_avoided_t(country: str, region: str, year: int) -> float | None:
    rows = emissions.by_region(country_code=country, year=year)
    chosen = [r for r in rows if not region or r["region"] == region]
    if not chosen:
        return None
    return round(sum(r["avoided_kg"] for r in chosen) / 1000.0, 1)


def _reliability(country: str, region: str, year: int, *, rapid_only: bool) -> float | None:
    figure = insights_selectors.reliability_for(
        period=registry_reliability.Period(year),
        country=country,
        region=region or None,
        rapid_only=rapid_only,
    )["reliability"]
    return None if figure is None else round(100.0 * figure, 2)


def reliability_pct(country: str, region: str, year: int) -> float | None:
    return _reliability(country, region, year, rapid_only=False)


def rapid_reliability_pct(country: str, region: str, year: int) -> float | None:
    return _reliability(country, region, year, rapid_only=True)


INDICATORS: dict[str, Indicator] = {
    i.key: i
    for i in (
        Indicator("evs_registered", _("EVs registered"), _("vehicles"), evs_registered),
        Indicator(
            "evs_registered_in_year",
            _("EVs registered in the year"),
            _("vehicles"),
            evs_registered_in_year,
        ),
        Indicator(
            "public_locations", _("Public charging stations"), _("stations"), public_locations
        ),
        Indicator("public_kw_per_bev", _("Public kW per BEV"), "kW", public_kw_per_bev),
        Indicator(
            "evs_per_point", _("EVs per charging point"), _("EVs"), evs_per_point, falls=True
        ),
        Indicator(
            "corridor_gaps",
            _("Corridor gaps over the distance rule"),
            _("gaps"),
            corridor_gaps,
            falls=True,
            regional=False,
        ),
        Indicator(
            "permit_median_days",
            _("Median days to a permit"),
            _("days"),
            permit_median_days,
            falls=True,
            regional=False,
        ),
        Indicator(
            "quota_uptake_pct",
            _("Duty-free quota used"),
            "%",
            quota_uptake_pct,
            regional=False,
        ),
        Indicator(
            "domestic_production_pct",
            _("Domestic production against plan"),
            "%",
            domestic_production_pct,
            regional=False,
        ),
        Indicator("co2_avoided_t", _("CO2 avoided"), _("t CO2"), co2_avoided_t),
        Indicator(
            "reliability_pct",
            _("Reliability of public charging points (UK reg. 7 method)"),
            "%",
            reliability_pct,
        ),
        Indicator(
            "rapid_reliability_pct",
            _("Reliability of rapid charging points, 50 kW and up (UK reg. 7 method)"),
            "%",
            rapid_reliability_pct,
        ),
    )
}


def get(key: str) -> Indicator | None:
    return INDICATORS.get(key)


def value_of(key: str, *, country: str, region: str = "", year: int) -> float | None:
    """The live value of indicator `key`; KeyError for an unknown key (callers validate)."""
    return INDICATORS[key].compute(country, region, year)
