"""Energy and CO2 per region and year, measured where operators upload, estimated elsewhere.

The method is `energy`'s module docstring; this module gathers the inputs (uploads, fleet
registrations, the configured parameters) and applies it per region.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.utils.translation import gettext

from kubat.core.errors import InvalidInput
from kubat.insights import sources as insights_sources
from kubat.ocpi import cdrs as ocpi_cdrs
from kubat.strategy.energy import EmissionParameters, GridFactor, emissions, estimated_kwh
from kubat.strategy.models import EnergyReport


def parameters() -> EmissionParameters:
    """The configured parameters; InvalidInput naming the setting when a factor is malformed."""
    grid = {}
    for country, values in settings.KUBAT_GRID_FACTORS.items():
        if not (isinstance(values, list) and len(values) == 3):
            raise InvalidInput(
                gettext("each grid factor is [low, central, high]"),
                field=f"KUBAT_GRID_FACTORS.{country}",
            )
        low, central, high = (float(v) for v in values)
        grid[country.upper()] = GridFactor(low=low, central=central, high=high)
    return EmissionParameters(
        grid=grid,
        annual_km=settings.KUBAT_EV_ANNUAL_KM,
        kwh_per_km=settings.KUBAT_EV_KWH_PER_KM,
        petrol_kg_per_km=settings.KUBAT_PETROL_KG_CO2_PER_KM,
    )


def measured_kwh(*, country_code: str, year: int) -> dict[str, float]:
    """kWh measured per region in `year`: each location's monthly upload, and where its operator
    uploaded none for that location and month, the energy of its OCPI CDRs (ocpi.cdrs). The
    upload wins because it is the operator's whole figure (sessions outside OCPI included)."""
    uploads = EnergyReport.objects.filter(
        country_code=country_code, month__gte=dt.date(year, 1, 1), month__lt=dt.date(year + 1, 1, 1)
    ).values_list("party", "location_ref", "month", "region", "kwh")
    out: dict[str, float] = defaultdict(float)
    uploaded = set()
    for party, ref, month, region, kwh in uploads:
        out[region] += float(kwh or 0)
        uploaded.add((party.upper(), ref, month))  # OCPI location ids are case-sensitive
    for row in ocpi_cdrs.energy_by_location_month(country_code=country_code, year=year):
        if (row["party"].upper(), row["location_ref"], row["month"]) not in uploaded:
            out[row["region"]] += row["kwh"]
    return dict(out)


def battery_evs_by_region(*, country_code: str, year: int) -> dict[str, int]:
    """Battery EVs registered by the end of `year` per region. Plug-in hybrids are left out:
    how much of their distance is electric is unknown."""
    counts: dict[str, int] = defaultdict(int)
    for region, y, powertrain, n in insights_sources.fleet_counts(country_code=country_code):
        if powertrain == "BEV" and y <= year:
            counts[region] += n
    return dict(counts)


def by_region(*, country_code: str, year: int) -> list[dict[str, Any]]:
    """Per region: kWh (measured or estimated, and which), CO2 of the grid and avoided, each
    with its low–high range (kg). A region with uploads that year counts only its uploads."""
    params = parameters()
    factor = params.grid.get(country_code)
    if factor is None:
        return []
    measured = measured_kwh(country_code=country_code, year=year)
    fleet = battery_evs_by_region(country_code=country_code, year=year)
    rows = []
    for region in sorted(set(measured) | set(fleet)):
        if region in measured:
            kwh, method = measured[region], "measured"
        else:
            kwh = estimated_kwh(
                vehicles=fleet[region], annual_km=params.annual_km, kwh_per_km=params.kwh_per_km
            )
            method = "estimated"
        figures = emissions(kwh=kwh, factor=factor, params=params)
        rows.append(
            {
                "region": region or "—",
                "year": year,
                "method": method,
                "bev": fleet.get(region, 0),
                "kwh": round(kwh, 1),
                **{k: round(v, 1) for k, v in figures.items()},
            }
        )
    return rows


def this_year() -> int:
    return insights_sources.today().year


def month_start(value: str, *, field: str = "month") -> dt.date:
    """The first day of a month given as YYYY-MM; InvalidInput naming `field`."""
    try:
        return dt.date.fromisoformat(f"{value.strip()}-01")
    except ValueError:
        raise InvalidInput(
            gettext("%(field)s: a month as YYYY-MM") % {"field": field}, field=field
        ) from None
