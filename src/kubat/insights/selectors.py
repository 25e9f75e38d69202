"""Insights reads: each answer assembled from `sources` and computed by the pure modules.

`adequacy_for` and `compatibility_for` are live: they read the counters the registry and the
fleet maintain on every write (see `sources`), tens of milliseconds at a million EVSEs and
five million registrations. `from_rows=True` computes the same answer by scanning the rows,
the reference the tests compare the counters with. `published_report` is the live answer with
its `computed_at` (the stored copy it used to serve was retired: see docs/insights.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext

from kubat.core.countries import to_alpha2
from kubat.core.errors import InvalidInput, NotFound
from kubat.insights import adequacy, compatibility, corridors, projection, sources
from kubat.insights.models import (
    CandidateSite,
    Corridor,
    ProjectionScenario,
    SitingRun,
    SupplySnapshot,
)
from kubat.insights.rules import rules_for
from kubat.registry import reliability as registry_reliability
from kubat.registry import selectors as registry_selectors
from kubat.registry import services as registry_services
from kubat.reports import selectors as reports_selectors

COUNTRIES = ("KG", "KZ")


def country_code(value: str, *, field: str = "country") -> str:
    """Alpha-2 of a country given as alpha-2 or alpha-3; InvalidInput naming `field`."""
    return to_alpha2(value, field=field)


def adequacy_for(
    *, country: str, year: int | None = None, from_rows: bool = False
) -> dict[str, Any]:
    """Adequacy of a country at the end of `year` (default: this year); see `adequacy`.
    Live from the maintained counters, or by scanning the rows when `from_rows`."""
    cc = country_code(country)
    rules = rules_for(cc)
    this_year = sources.today().year
    report = adequacy.adequacy_report(
        fleet=(sources.fleet_counts_from_rows if from_rows else sources.fleet_counts)(
            country_code=cc
        ),
        supply=(sources.supply_by_region_from_rows if from_rows else sources.supply_by_region)(
            country_code=cc
        ),
        planned=(sources.planned_by_region_from_rows if from_rows else sources.planned_by_region)(
            country_code=cc
        ),
        permits=sources.permit_pipeline(country_code=cc),
        snapshots=SupplySnapshot.objects.filter(country_code=cc, year__lt=this_year).values(
            "region", "year", "installed_kw", "dc_kw", "points", "dc_points"
        ),
        kw_per_vehicle=rules.kw_per_vehicle,
        year=this_year if year is None else year,
    )
    return {
        "country": cc,
        "rules": rules.as_dict(),
        "contains_demo_data": (
            sources.fleet_has_demo_from_rows if from_rows else sources.fleet_has_demo
        )(country_code=cc),
        **report,
    }


def compatibility_for(
    *,
    country: str,
    top_additions: int = 10,
    stations_per_region: int | None = 50,
    from_rows: bool = False,
) -> dict[str, Any]:
    """Fleet–network compatibility of a country; see `compatibility`. Each region lists the
    `stations_per_region` stations that reach most cars (None: all, for the CSV). Live from
    the maintained counters (only the listed stations are read), or from the rows."""
    cc = country_code(country)
    if from_rows:
        report = compatibility.compatibility_report(
            cohorts=sources.fleet_cohorts_from_rows(country_code=cc),
            models=sources.model_inlets(),
            stations=sources.dc_stations(country_code=cc),
            top_additions=top_additions,
            stations_per_region=stations_per_region,
        )
    else:

        def stations_of(
            requests: Sequence[compatibility.StationRequest],
        ) -> list[list[sources.Station]]:
            return sources.dc_stations_first(country_code=cc, requests=requests)

        report = compatibility.compatibility_by_sets(
            cohorts=sources.fleet_cohorts(country_code=cc),
            models=sources.model_inlets(),
            station_sets=sources.dc_station_sets(country_code=cc),
            stations_of=stations_of,
            top_additions=top_additions,
            stations_per_region=stations_per_region,
        )
    return {
        "country": cc,
        "contains_demo_data": (
            sources.fleet_has_demo_from_rows if from_rows else sources.fleet_has_demo
        )(country_code=cc),
        **report,
    }


def corridor_list(*, country: str | None = None) -> list[Corridor]:
    found = Corridor.objects.all()
    if country:
        found = found.filter(countries__contains=country_code(country))
    return list(found)


def get_corridor(*, code: str) -> Corridor:
    corridor = Corridor.objects.filter(code=code).first()
    if corridor is None:
        raise NotFound(gettext("no corridor %(code)r") % {"code": code}, field="code")
    return corridor


def corridor_report(*, corridor: Corridor, max_distance_km: float | None = None) -> dict[str, Any]:
    """Pools, gaps and passes of one corridor in both directions; see `corridors`."""
    rules = rules_for(corridor.country_list[0] if corridor.country_list else "")
    line = corridors.CorridorLine.from_coordinates(corridor.coordinates)
    distance = (
        rules.corridor.max_distance_from_road_km if max_distance_km is None else max_distance_km
    )
    stations = sources.dc_stations_of(box=line.box(margin_km=distance))
    report = corridors.analyse(
        line,
        stations=stations,
        segments=corridor.segments,
        rules=rules.corridor,
        max_distance_km=distance,
    )
    return {
        "code": corridor.code,
        "name": corridor.name,
        "countries": corridor.country_list,
        "source": corridor.source,
        "nominal_km": corridor.nominal_km,
        "traffic_weight": corridor.traffic_weight,
        "approximate": bool(corridor.properties.get("approximate", False)),
        "rules": rules.as_dict()["corridor"] | {"max_distance_from_road_km": distance},
        **report,
    }


def candidate_sites(*, country: str, batch: str | None = None) -> list[CandidateSite]:
    found = CandidateSite.objects.filter(country_code=country_code(country))
    if batch:
        found = found.filter(batch=batch)
    return list(found.order_by("pk"))


def latest_runs(*, country: str) -> list[SitingRun]:
    """The newest run of each model for a country."""
    cc = country_code(country)
    runs = []
    for model in ("covering", "p_median"):
        run = SitingRun.objects.filter(country_code=cc, model=model).first()
        if run is not None:
            runs.append(run)
    return runs


def get_run(*, run_id: int) -> SitingRun:
    run = SitingRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(gettext("no siting run %(run_id)s") % {"run_id": run_id}, field="run_id")
    return run


def projection_for(*, country: str, horizon: int = 2035) -> dict[str, Any]:
    """The stock-flow projection of a country under its three scenarios; see `projection`."""
    cc = country_code(country)
    rules = rules_for(cc)
    this_year = sources.today().year
    if not this_year <= horizon <= this_year + 30:
        raise InvalidInput(
            gettext("must be between %(this_year)s and %(last)s")
            % {"this_year": this_year, "last": this_year + 30},
            field="horizon",
        )
    history: dict[int, dict[str, int]] = {}
    for _, year, powertrain, n in sources.fleet_counts(country_code=cc):
        cell = history.setdefault(year, {})
        cell[powertrain] = cell.get(powertrain, 0) + n
    current = adequacy_for(country=cc)
    snapshots: dict[int, float] = {}
    for row in SupplySnapshot.objects.filter(country_code=cc, year__lt=this_year):
        snapshots[row.year] = snapshots.get(row.year, 0.0) + row.installed_kw
    installed = float(current["totals"]["installed_kw"])
    trend = 0.0
    if snapshots:
        first = min(snapshots)
        trend = max(0.0, (installed - snapshots[first]) / (this_year - first))
    stored = {s.name: s for s in ProjectionScenario.objects.filter(country_code=cc)}
    scenarios = []
    for name in ("low", "central", "high"):
        params = dict(projection.DEFAULT_SCENARIOS[name])
        if name in stored:
            params.update(stored[name].parameters)
        result = projection.project(
            history=history,
            quota_volumes=sources.quota_volumes(country_code=cc),
            domestic=sources.domestic_units(country_code=cc),
            scenario=projection.Scenario.from_dict(name, params),
            kw_per_vehicle=rules.kw_per_vehicle,
            installed_kw=installed,
            pipeline_kw=float(current["totals"]["pipeline_kw"]),
            trend_kw_per_year=trend,
            this_year=this_year,
            horizon=horizon,
        )
        result["edited_at"] = stored[name].updated_at if name in stored else None
        scenarios.append(result)
    return {
        "country": cc,
        "this_year": this_year,
        "horizon": horizon,
        "installed_kw": installed,
        "pipeline_kw": current["totals"]["pipeline_kw"],
        "commissioning_trend_kw_per_year": round(trend, 1),
        "scenarios": scenarios,
    }


def published_report(*, kind: str, country: str) -> dict[str, Any]:
    """The national `kind` report ("adequacy" or "compatibility") as readers get it: computed
    live from the maintained counters (fast at any size, so no stored copy can be stale), with
    the moment it was computed (`computed_at`, UTC)."""
    from django.utils import timezone

    computed_at = timezone.now()
    body = (
        adequacy_for(country=country) if kind == "adequacy" else compatibility_for(country=country)
    )
    return {**body, "computed_at": computed_at.isoformat()}


# --- Reliability and utilisation (issue 13): registry.reliability's method, drivers' reports --


def reliability_for(
    *,
    period: registry_reliability.Period,
    operator: str | None = None,
    country: str | None = None,
    region: str | None = None,
    evse: int | None = None,
    rapid_only: bool = False,
) -> dict[str, Any]:
    """One reliability figure (UK PCPR 2023 reg. 7, see registry.reliability) for an operator
    (party key such as "KG*ECH"), a country and region, an EVSE (pk) or everything, over a
    month or year: the figure by the rule, the strict figure, utilisation and the shares
    working / ineligible / without data / not reliable (fractions 0–1, None when nothing was
    measured). With `operator`, the drivers' reports of the period sit beside it.

    For other apps (the strategy desk's reliability indicator reads it). Raises InvalidInput
    naming the field, NotFound for an unknown operator.
    """
    party = registry_services.get_party(key=operator) if operator else None
    cc = country_code(country) if country else None
    min_kw = registry_reliability.rapid_target(cc or (party.country_code if party else ""))[0]
    figure = registry_reliability.reliability_by(
        period=period,
        party=party,
        country_code=cc,
        region=region or None,
        evse=evse,
        rapid_min_kw=min_kw if rapid_only else None,
    )[()]
    out: dict[str, Any] = {"period": period.label, **figure.as_dict()}
    if party is not None:
        reports = reports_selectors.counts_by_party(first=period.first, end=period.end)
        out["drivers_reports"] = reports.get(
            party.pk, {"not_working": 0, "wrong_detail": 0, "open": 0}
        )
    return out


def scorecards(*, country: str, period: registry_reliability.Period) -> list[dict[str, Any]]:
    """Every operator of a country: its reliability and utilisation, its rapid network against
    the profile's target, and its drivers' reports beside its own status data. A network whose
    status data says working while drivers report faults is flagged `reports_contradict`
    (at least one not-working report per 10 EVSEs in the period while reliability ≥ target).
    """
    cc = country_code(country)
    min_kw, target = registry_reliability.rapid_target(cc)
    overall = registry_reliability.reliability_by(period=period, group="party", country_code=cc)
    rapid = registry_reliability.reliability_by(
        period=period, group="party", country_code=cc, rapid_min_kw=min_kw
    )
    reports = reports_selectors.counts_by_party(first=period.first, end=period.end)
    parties = {p.pk: p for p in registry_selectors.parties_of_country(country_code=cc)}
    rows: list[dict[str, Any]] = []
    for pk, party in sorted(parties.items(), key=lambda item: item[1].key):
        figure = overall.get((pk,))
        if figure is None and pk not in reports:
            continue
        fast = rapid.get((pk,))
        counted = reports.get(pk, {"not_working": 0, "wrong_detail": 0, "open": 0})
        figures = figure.as_dict() if figure else registry_reliability.reliability_of({}).as_dict()
        rapid_figure = fast.reliability if fast else None
        evses = figures["evses"] or 0
        rows.append(
            {
                "party": party.key,
                "name": party.name,
                **figures,
                "rapid": fast.as_dict() if fast else None,
                "rapid_target": target,
                "rapid_meets_target": None if rapid_figure is None else rapid_figure >= target,
                "drivers_reports": counted,
                "reports_contradict": bool(
                    figure
                    and figure.reliability is not None
                    and figure.reliability >= target
                    and evses
                    and counted["not_working"] * 10 >= evses
                ),
            }
        )
    return rows
