"""EV models, registrations and domestic production: the fleet the charging network serves."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from kubat.core import apischema
from kubat.core.countries import to_alpha2
from kubat.fleet import services
from kubat.fleet.models import EVModel

router = Router(tags=["fleet"])


class EVModelOut(Schema):
    id: int
    make: str
    model: str
    variant: str
    powertrain: str
    battery_kwh: float
    ac_connectors: list[str]
    dc_connectors: list[str]
    max_ac_kw: float | None
    max_dc_kw: float | None
    consumption_kwh_100km: float | None
    market: str
    spec_source: str
    source: str


class ExportOut(Schema):
    country_code: str = Field(description="Destination, ISO 3166 alpha-2")
    units: int


class ModelProductionOut(Schema):
    model: str
    planned_units: int | None
    produced_units: int | None
    home_market_units: int | None
    exports: list[ExportOut]


class ProductionOut(Schema):
    country_code: str
    year: int
    maker: str
    planned_units: int | None
    produced_units: int | None
    attainment_pct: float | None = Field(description="Produced as % of plan, when both known.")
    home_market_units: int | None
    exported_units: int
    exports: list[ExportOut]
    models: list[ModelProductionOut]
    note: str
    source: str


@router.get("/models", response=list[EVModelOut])
def list_models(request: HttpRequest) -> Any:
    """The EV model catalogue (public)."""
    return EVModel.objects.all()


@router.get("/production", response=list[ProductionOut])
def list_production(request: HttpRequest, country: apischema.CountryOrBlank | None = None) -> Any:
    """Domestic production per maker and year against plan, per model, with the home market
    and the exports by destination country (public)."""
    return services.production_report(country_code=country)


@router.get("/registrations/{country}/by-year")
def registrations_by_year(request: HttpRequest, country: apischema.Country) -> list[dict[str, Any]]:
    """Registered EVs per year and origin for one country (public, counts only)."""
    return services.fleet_by_year(country_code=to_alpha2(country))
