"""The Content-Security-Policy middleware: django-csp's, with the map tiles' origin added.

The tile server is configuration (KUBAT_MAP_TILE_URL), so img-src takes its origin from the
setting as it is when the response is made, not as it was when settings were imported.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


def tile_origin(template: str) -> list[str]:
    """The origin of a Leaflet tile URL template, its {s} subdomains as a wildcard."""
    parts = urlsplit(template.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


class KubatCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origins = tile_origin(str(getattr(settings, "KUBAT_MAP_TILE_URL", "") or ""))
        if origins:
            update = dict(parts.update or {})
            update["img-src"] = [*update.get("img-src", []), *origins]
            parts.update = update
        return parts
