"""/api/v1/insights: adequacy, compatibility, corridors and siting (public reads).

Every answer is JSON computed from the registry and fleet at the time of the request;
`contains_demo_data` says when generated demo rows are part of it. Bad values get 400 naming
the field (the one /api/v1 handler renders `KubatError`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from kubat.core.errors import InvalidInput
from kubat.insights import selectors

router = Router(tags=["insights"])


def _year(value: int | None) -> int | None:
    if value is not None and not 1990 <= value <= 2100:
        raise InvalidInput("year must be between 1990 and 2100", field="year")
    return value


@router.get("/adequacy/{country}")
def adequacy(request: HttpRequest, country: str, year: int | None = None) -> dict[str, Any]:
    """Need (fleet-based rule of the profile) against public kW in service, per region and year.

    `gap_kw` = need − installed (positive: short). PLANNED and REMOVED EVSEs and unpublished
    locations are not supply; `pipeline_kw` is PLANNED EVSEs plus permits in progress.
    """
    return selectors.adequacy_for(country=country, year=_year(year))


@router.get("/compatibility/{country}")
def compatibility(request: HttpRequest, country: str, top: int = 10) -> dict[str, Any]:
    """Per region: share of the fleet that can fast-charge at public DC stations, the cohorts
    left out, each station's reach, and the connector additions that would serve most cars."""
    if not 1 <= top <= 500:
        raise InvalidInput("top must be between 1 and 500", field="top")
    return selectors.compatibility_for(country=country, top_additions=top)


class CorridorOut(Schema):
    code: str
    name: str
    countries: list[str]
    nominal_km: float | None
    traffic_weight: float
    source: str


class CorridorQuery(Schema):
    country: str | None = None


@router.get("/corridors", response=list[CorridorOut])
def corridors(request: HttpRequest, filters: Query[CorridorQuery]) -> Any:
    """The corridors known to Kubat (shipped approximate lines and imported ones)."""
    return [
        {
            "code": c.code,
            "name": c.name,
            "countries": c.country_list,
            "nominal_km": c.nominal_km,
            "traffic_weight": c.traffic_weight,
            "source": c.source,
        }
        for c in selectors.corridor_list(country=filters.country)
    ]


@router.get("/corridors/{code}")
def corridor(request: HttpRequest, code: str, max_distance_km: float | None = None) -> Any:
    """DC pools along the corridor (linear referencing in UTM metres), gaps per direction
    longer than the profile's rule, pools below the power rule, passes with range factors."""
    if max_distance_km is not None and not 0 < max_distance_km <= 50:
        raise InvalidInput(
            "max_distance_km must be above 0 and at most 50", field="max_distance_km"
        )
    return selectors.corridor_report(
        corridor=selectors.get_corridor(code=code), max_distance_km=max_distance_km
    )
