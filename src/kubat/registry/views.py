"""Open-data downloads: the public registry streamed as GeoJSON or CSV."""

from __future__ import annotations

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from kubat.core.countries import to_alpha2
from kubat.core.errors import InvalidInput
from kubat.registry import exchange, selectors


def _country(request: HttpRequest) -> str | None:
    value = request.GET.get("country")
    return to_alpha2(value, field="country") if value else None


def _download(request: HttpRequest, kind: str) -> StreamingHttpResponse:
    try:
        country = _country(request)
    except InvalidInput as exc:
        response = StreamingHttpResponse([f"{exc.field}: {exc.message}\n"], status=400)
        response["Content-Type"] = "text/plain; charset=utf-8"
        return response
    now = timezone.now()
    locations = selectors.iter_locations(country_code=country)
    if kind == "csv":
        body = exchange.stream_csv(locations, generated_at=now)
        content_type = "text/csv; charset=utf-8"
    else:
        body = exchange.stream_geojson(locations, generated_at=now)
        content_type = "application/geo+json"
    response = StreamingHttpResponse(body, content_type=content_type)
    suffix = f"-{country.lower()}" if country else ""
    response["Content-Disposition"] = f'attachment; filename="kubat-locations{suffix}.{kind}"'
    response["X-Kubat-Generated-At"] = now.isoformat()
    response["Link"] = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    return response


@require_GET
def locations_geojson(request: HttpRequest) -> StreamingHttpResponse:
    return _download(request, "geojson")


@require_GET
def locations_csv(request: HttpRequest) -> StreamingHttpResponse:
    return _download(request, "csv")
