"""The portal's pages and the map's marker feed; every figure comes from registry selectors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from kubat.core.errors import InvalidInput, NotFound
from kubat.portal import charts, labels, map_feed, standards
from kubat.registry import presenters
from kubat.registry import selectors as registry_selectors
from kubat.reports import selectors as reports_selectors

COUNTRY_CODES = ("KG", "KZ")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    countries = []
    for code in COUNTRY_CODES:
        stats = registry_selectors.national_stats(country_code=code)
        countries.append(
            {
                "code": code,
                "name": labels.COUNTRIES[code],
                "stats": stats,
                "standards": charts.bars(
                    stats["connectors_by_standard"],  # type: ignore[arg-type]
                    names=labels.CONNECTORS,
                ),
                "classes": charts.bars(
                    stats["evses_by_power_class"],  # type: ignore[arg-type]
                    names=labels.CLASSES,
                    keep_order=True,
                ),
                "regions": charts.bars(
                    stats["locations_by_region"],  # type: ignore[arg-type]
                ),
                "operators": stats["locations_by_operator"],
            }
        )
    return render(
        request,
        "portal/home.html",
        {"countries": countries, "computed_at": timezone.now()},
    )


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/map.html", map_feed.page_context())


@require_GET
def markers(request: HttpRequest) -> JsonResponse:
    """The map's markers for a view: `bbox` plus the map's filters (see map_feed)."""
    try:
        body = map_feed.markers(request.GET)
    except InvalidInput as error:
        return JsonResponse(error.as_dict(), status=error.http_status)
    response = JsonResponse(body)
    response["Cache-Control"] = "public, max-age=15"
    return response


@require_GET
def location(request: HttpRequest, location_id: int) -> HttpResponse:
    try:
        found = registry_selectors.get_public_location(location_id=location_id)
    except NotFound as error:
        raise Http404(error.message) from error
    detail: dict[str, Any] = presenters.location_detail(found)
    for evse in detail["evses"]:
        evse["status_label"] = labels.label(labels.EVSE_STATUSES, evse["status"])
        for connector in evse["connectors"]:
            connector["standard_label"] = labels.label(labels.CONNECTORS, connector["standard"])
            connector["power_type_label"] = labels.label(
                labels.POWER_TYPES, connector["power_type"]
            )
            connector["format_label"] = labels.label(labels.FORMATS, connector["format"])
    context: dict[str, Any] = {
        "loc": detail,
        "class_label": labels.label(labels.CLASSES, detail["charging_class"]),
        "country_name": labels.COUNTRIES.get(detail["country_code"], detail["country"]),
        "live_status": registry_selectors.live_status(set(detail["status_counts"])),
        "parking_label": labels.label(labels.PARKING_TYPES, detail["parking_type"]),
        "facility_labels": [labels.label(labels.FACILITIES, f) for f in detail["facilities"]],
        "opening_rows": _opening_rows(detail["opening_times"]),
        "compliance": standards.compliance_of(found),
        "directions_url": (
            "https://www.openstreetmap.org/directions?route=%3B"
            f"{detail['latitude']:.6f}%2C{detail['longitude']:.6f}"
        ),
        "geo_uri": f"geo:{detail['latitude']:.6f},{detail['longitude']:.6f}",
        "map_url": reverse("portal:map")
        + f"?lat={detail['latitude']:.5f}&lon={detail['longitude']:.5f}&zoom=16",
    }
    context["live_status_label"] = labels.label(labels.LIVE_STATUSES, context["live_status"])
    context["open_reports"] = reports_selectors.open_reports(location_id=found.pk)
    return render(request, "portal/location.html", context)


def _opening_rows(opening: dict[str, Any] | None) -> list[tuple[str, str]] | None:
    """Weekday and hours, or None when the operator publishes no hours (24/7 is a row too)."""
    if not opening:
        return None
    if opening.get("twentyfourseven"):
        return []
    return [
        (
            str(labels.WEEKDAYS.get(row["weekday"], row["weekday"])),
            f"{row['period_begin']}–{row['period_end']}",
        )
        for row in opening.get("regular_hours") or []
    ]


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/open_data.html",
        {
            "licence": settings.KUBAT_DATA_LICENCE,
            "downloads": standards.open_data_downloads(),
            "snapshots": standards.open_data_snapshots(),
            "keep_days": settings.KUBAT_OPEN_DATA_SNAPSHOT_DAYS,
            "year": timezone.now().year,
            "today": timezone.now().date(),
        },
    )


@require_GET
def standards_page(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/standards.html", {"profiles": standards.profiles()})
