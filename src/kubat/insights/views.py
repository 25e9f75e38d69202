"""The public /insights/ pages and the CSV behind every figure (thin: selectors do the work)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from kubat.core.errors import InvalidInput, NotFound
from kubat.insights import figures, selectors, sources
from kubat.portal import labels
from kubat.registry import reliability as registry_reliability
from kubat.registry.reliability import Period

COUNTRIES = ("KG", "KZ")


def _country(request: HttpRequest) -> str:
    value = (request.GET.get("country") or "KG").upper()
    return value if value in COUNTRIES else "KG"


def _base(request: HttpRequest, country: str, section: str) -> dict[str, Any]:
    return {
        "country": country,
        "countries": [(c, labels.COUNTRIES.get(c, c)) for c in COUNTRIES],
        "section": section,
        "map_config": {
            "tileUrl": settings.KUBAT_MAP_TILE_URL,
            "tileAttribution": settings.KUBAT_MAP_TILE_ATTRIBUTION,
            "bordersUrl": static("portal/borders-kg-kz.json"),
        },
    }


def _csv(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        # A leading =, +, - or @ makes a spreadsheet run the cell as a formula: quote it.
        writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def adequacy_page(request: HttpRequest) -> HttpResponse:
    country = _country(request)
    report = selectors.published_report(kind="adequacy", country=country)
    context = _base(request, country, "adequacy") | {
        "report": report,
        "trend": figures.trend_bars(report["trend"]),
        "map_points": figures.region_points(country, report["regions"]),
    }
    return render(request, "insights/adequacy.html", context)


ADEQUACY_COLUMNS = (
    "region",
    "bev",
    "phev",
    "need_kw",
    "installed_kw",
    "dc_kw",
    "points",
    "dc_points",
    "pipeline_kw",
    "evs_per_point",
    "dc_share_kw",
    "gap_kw",
    "coverage",
)
TREND_COLUMNS = ("year", "bev", "phev", "need_kw", "installed_kw", "gap_kw", "coverage")


@require_GET
def adequacy_csv(request: HttpRequest) -> HttpResponse:
    country = _country(request)
    report = selectors.published_report(kind="adequacy", country=country)
    if request.GET.get("table") == "trend":
        return _csv(
            f"kubat-adequacy-trend-{country}.csv",
            TREND_COLUMNS,
            ([t[c] for c in TREND_COLUMNS] for t in report["trend"]),
        )
    return _csv(
        f"kubat-adequacy-{country}.csv",
        ADEQUACY_COLUMNS,
        ([r[c] for c in ADEQUACY_COLUMNS] for r in report["regions"]),
    )


@require_GET
def compatibility_page(request: HttpRequest) -> HttpResponse:
    country = _country(request)
    report = selectors.published_report(kind="compatibility", country=country)
    context = _base(request, country, "compatibility") | {
        "report": report,
        "bars": figures.share_bars(report["regions"], key="served_share"),
    }
    return render(request, "insights/compatibility.html", context)


@require_GET
def compatibility_csv(request: HttpRequest) -> HttpResponse:
    country = _country(request)
    report = selectors.compatibility_for(
        country=country, top_additions=500, stations_per_region=None
    )
    if request.GET.get("table") == "stations":
        return _csv(
            f"kubat-compatibility-stations-{country}.csv",
            ("region", "location_id", "name", "standards", "dc_kw", "vehicles_served", "share"),
            (
                (
                    r["region"],
                    s["location_id"],
                    s["name"],
                    "+".join(s["standards"]),
                    s["dc_kw"],
                    s["vehicles_served"],
                    s["share_of_region"],
                )
                for r in report["regions"]
                for s in r["stations"]
            ),
        )
    if request.GET.get("table") == "additions":
        columns: tuple[str, ...] = (
            "region",
            "location_id",
            "name",
            "add_standard",
            "newly_served_in_region",
            "more_vehicles_at_station",
        )
        return _csv(
            f"kubat-compatibility-additions-{country}.csv",
            columns,
            ([a[c] for c in columns] for a in report["best_additions"]),
        )
    return _csv(
        f"kubat-compatibility-{country}.csv",
        ("region", "cohort", "vehicles", "share", "dc_stations_usable", "served"),
        (
            (r["region"], c["cohort"], c["vehicles"], c["share"], c["stations"], c["served"])
            for r in report["regions"]
            for c in r["cohorts"]
        ),
    )


def _corridor_reports(country: str) -> list[dict[str, Any]]:
    return [selectors.corridor_report(corridor=c) for c in selectors.corridor_list(country=country)]


@require_GET
def corridors_page(request: HttpRequest) -> HttpResponse:
    country = _country(request)
    reports = _corridor_reports(country)
    context = _base(request, country, "corridors") | {
        "strips": figures.strips(reports),
        "rules": reports[0]["rules"] if reports else None,
    }
    return render(request, "insights/corridors.html", context)


@require_GET
def corridors_csv(request: HttpRequest) -> HttpResponse:
    country = _country(request)
    rows = []
    for r in _corridor_reports(country):
        for direction, d in r["directions"].items():
            for g in d["gaps"]:
                rows.append(
                    (
                        r["code"],
                        direction,
                        "gap",
                        g["from_km"],
                        g["to_km"],
                        g["length_km"],
                        g["effective_km"],
                        "; ".join(g["segments"]),
                    )
                )
        for p in r["pools"]:
            rows.append(
                (
                    r["code"],
                    "both",
                    "pool" if p["meets_power_rule"] else "pool_below_power_rule",
                    p["km"],
                    p["km"],
                    p["dc_kw"],
                    p["max_point_kw"],
                    p["name"],
                )
            )
    return _csv(
        f"kubat-corridors-{country}.csv",
        (
            "corridor",
            "direction",
            "kind",
            "from_km",
            "to_km",
            "length_km_or_dc_kw",
            "effective_km_or_max_point_kw",
            "note",
        ),
        rows,
    )


@require_GET
def siting_page(request: HttpRequest) -> HttpResponse:
    country = _country(request)
    runs = selectors.latest_runs(country=country)
    layers = [
        {
            "model": run.model,
            "sites": [
                {"name": c["name"], "lat": c["lat"], "lon": c["lon"], "origin": c["origin"]}
                for c in run.result.get("candidates", [])
                if c.get("chosen_by_milp")
            ],
        }
        for run in runs
    ]
    context = _base(request, country, "siting") | {"runs": runs, "layers": layers}
    return render(request, "insights/siting.html", context)


RUN_COLUMNS = (
    "index",
    "name",
    "origin",
    "lat",
    "lon",
    "weight_within_radius",
    "chosen_by_milp",
    "chosen_by_greedy",
)


@require_GET
def siting_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    try:
        run = selectors.get_run(run_id=run_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return _csv(
        f"kubat-siting-{run.country_code}-{run.model}-{run.pk}.csv",
        RUN_COLUMNS,
        ([c[k] for k in RUN_COLUMNS] for c in run.result.get("candidates", [])),
    )


@require_GET
def projection_page(request: HttpRequest) -> HttpResponse:
    country = _country(request)
    report = selectors.projection_for(country=country)
    context = _base(request, country, "projection") | {
        "report": report,
        "chart": figures.projection_lines(report),
    }
    return render(request, "insights/projection.html", context)


PROJECTION_COLUMNS = (
    "year",
    "projected",
    "additions",
    "retired",
    "stock",
    "bev",
    "phev",
    "need_kw",
    "supply_kw",
)


@require_GET
def projection_csv(request: HttpRequest) -> HttpResponse:
    country = _country(request)
    report = selectors.projection_for(country=country)
    return _csv(
        f"kubat-projection-{country}.csv",
        ("scenario", *PROJECTION_COLUMNS),
        (
            (s["scenario"]["name"], *(r[c] for c in PROJECTION_COLUMNS))
            for s in report["scenarios"]
            for r in s["years"]
        ),
    )


def _period_of(request: HttpRequest) -> Period:
    """The page's period: ?year= (default this year) and optional ?month=; bad values → 400."""
    try:
        year = int(request.GET.get("year") or sources.today().year)
        month = int(request.GET["month"]) if request.GET.get("month") else None
    except ValueError:
        raise InvalidInput(gettext("year and month are whole numbers"), field="year") from None
    return Period(year, month)


@require_GET
def reliability_page(request: HttpRequest) -> HttpResponse:
    country = _country(request)
    try:
        period = _period_of(request)
    except InvalidInput as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    target = registry_reliability.rapid_target(country)
    context = _base(request, country, "reliability") | {
        "period": period,
        "rows": selectors.scorecards(country=country, period=period),
        "national": selectors.reliability_for(period=period, country=country),
        "national_rapid": selectors.reliability_for(
            period=period, country=country, rapid_only=True
        ),
        "rapid_min_kw": target[0],
        "rapid_target": target[1],
        "months": range(1, 13),
    }
    return render(request, "insights/reliability.html", context)


@require_GET
def reliability_csv(request: HttpRequest) -> HttpResponse:
    country = _country(request)
    try:
        period = _period_of(request)
    except InvalidInput as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    rows = selectors.scorecards(country=country, period=period)
    header = [
        "party",
        "name",
        "period",
        "evses",
        "measured_hours",
        "reliability",
        "strict_reliability",
        "utilisation",
        "share_working",
        "share_ineligible",
        "share_without_data",
        "share_not_reliable",
        "rapid_reliability",
        "rapid_target",
        "reports_not_working",
        "reports_wrong_detail",
        "reports_open",
    ]
    return _csv(
        f"reliability-{country}-{period.label}.csv",
        header,
        (
            [
                r["party"],
                r["name"],
                period.label,
                r["evses"],
                r["measured_hours"],
                r["reliability"],
                r["strict_reliability"],
                r["utilisation"],
                r["share_working"],
                r["share_ineligible"],
                r["share_without_data"],
                r["share_not_reliable"],
                (r["rapid"] or {}).get("reliability"),
                r["rapid_target"],
                r["drivers_reports"]["not_working"],
                r["drivers_reports"]["wrong_detail"],
                r["drivers_reports"]["open"],
            ]
            for r in rows
        ),
    )
