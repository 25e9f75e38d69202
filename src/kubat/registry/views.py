"""Open-data downloads: the public registry streamed as GeoJSON or CSV, the data package that
describes them, and the dated daily snapshots (registry.snapshots)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from kubat.core.countries import to_alpha2
from kubat.core.errors import InvalidInput
from kubat.registry import datapackage, exchange, selectors, snapshots


def parse_updated_since(value: str) -> datetime:
    """`updated_since`: an RFC 3339 date-time with its offset (2026-12-01T06:00:00Z) or a date
    (2026-12-01, meaning 00:00 UTC). Raises InvalidInput naming the field otherwise."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(
            gettext(
                "%(value)r is not an RFC 3339 date-time with a time zone "
                "(2026-12-01T00:00:00Z) or a date (2026-12-01)"
            )
            % {"value": value[:40]},
            field="updated_since",
        )
    return parsed


def _params(request: HttpRequest) -> tuple[str | None, datetime | None, str]:
    """country, updated_since and the canonical query string of both ("" when neither)."""
    value = request.GET.get("country")
    country = to_alpha2(value, field="country") if value else None
    since_text = request.GET.get("updated_since")
    since = parse_updated_since(since_text) if since_text else None
    query = {k: v for k, v in (("country", country), ("updated_since", since_text)) if v}
    return country, since, ("?" + urlencode(query)) if query else ""


def _bad_request(exc: InvalidInput) -> HttpResponse:
    return HttpResponse(
        f"{exc.field}: {exc.message}\n", status=400, content_type="text/plain; charset=utf-8"
    )


def _licence_link() -> str:
    return f'<{settings.KUBAT_DATA_LICENCE_URL}>; rel="license"'


def _download(request: HttpRequest, kind: str) -> HttpResponseBase:
    try:
        country, since, _query = _params(request)
    except InvalidInput as exc:
        return _bad_request(exc)
    now = timezone.now()
    if kind == "csv":
        body = exchange.stream_csv_chunks(
            selectors.iter_export_chunks(country_code=country, updated_since=since),
            generated_at=now,
        )
        content_type = "text/csv; charset=utf-8; header=present"
    else:
        locations = selectors.iter_locations(country_code=country, updated_since=since)
        body = exchange.stream_geojson(locations, generated_at=now)
        content_type = "application/geo+json"
    response = StreamingHttpResponse(body, content_type=content_type)
    suffix = f"-{country.lower()}" if country else ""
    response["Content-Disposition"] = f'attachment; filename="kubat-locations{suffix}.{kind}"'
    response["X-Kubat-Generated-At"] = now.isoformat()
    response["Link"] = (
        f'{_licence_link()}, <{reverse("open-data-package")}>; rel="describedby"; '
        'type="application/json"'
    )
    return response


@require_GET
def locations_geojson(request: HttpRequest) -> HttpResponseBase:
    return _download(request, "geojson")


@require_GET
def locations_csv(request: HttpRequest) -> HttpResponseBase:
    return _download(request, "csv")


@require_GET
def package(request: HttpRequest) -> HttpResponse:
    """datapackage.json for the files beside it, with the same `country` and `updated_since`."""
    try:
        country, since, query = _params(request)
    except InvalidInput as exc:
        return _bad_request(exc)
    body = datapackage.package(
        generated_at=timezone.now(),
        query=query,
        source_url=request.build_absolute_uri("/open-data/"),
        country=country,
        updated_since=since,
        live=True,
    )
    response = JsonResponse(body, json_dumps_params={"indent": 2})
    response["Link"] = _licence_link()
    return response


@require_GET
def snapshot_index(request: HttpRequest) -> JsonResponse:
    """The dated snapshots kept, newest first, with the address of each file."""
    items = [
        {
            "date": s.day.isoformat(),
            "files": {
                name: reverse("open-data-snapshot-file", args=[s.day.isoformat(), name])
                for name in snapshots.FILES
            },
        }
        for s in snapshots.listing()
    ]
    return JsonResponse({"keep_days": settings.KUBAT_OPEN_DATA_SNAPSHOT_DAYS, "snapshots": items})


_TYPES = {
    "datapackage.json": "application/json",
    "locations.csv": "text/csv; charset=utf-8; header=present",
    "locations.geojson": "application/geo+json",
}


@require_GET
def snapshot_file(request: HttpRequest, day: str, name: str) -> HttpResponseBase:
    """One file of one day's snapshot, exactly as written that day."""
    if name not in _TYPES:
        raise Http404("no such file in a snapshot")
    try:
        when = date.fromisoformat(day)
    except ValueError:
        return _bad_request(
            InvalidInput(gettext("%(day)r is not a date (YYYY-MM-DD)") % {"day": day}, field="date")
        )
    found = snapshots.find(when)
    if found is None:
        raise Http404(f"no snapshot for {when.isoformat()}")
    response = FileResponse((found.path / name).open("rb"), content_type=_TYPES[name])
    response["Content-Disposition"] = f'inline; filename="kubat-{when.isoformat()}-{name}"'
    response["Link"] = _licence_link()
    response["Cache-Control"] = "public, max-age=86400"
    return response
