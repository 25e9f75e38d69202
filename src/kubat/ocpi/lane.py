"""The OCPI lane: /ocpi requests skip the middleware that serves people, not platforms.

OCPI is spoken between platforms' software with a token in every request: no session, no
signed-in user, no CSRF token, no language negotiation (the wire is English), no page to frame
or script to police. Yet every /ocpi request paid for the site's whole stack (sessions, locale,
CSRF, authentication, messages, the rate limit of anonymous API reads, clickjacking, the
Content-Security-Policy built per answer, the login lock-out), about a third of the CPU of a
status PATCH on the ingest bench (docs/decisions/0007).

This middleware sits after the guards every request needs (the request log and metrics,
SecurityMiddleware's headers and HTTPS redirect, the bounded body, the NUL refusal) and, for a
path under /ocpi/ that resolves, calls the view itself. A path that does not resolve goes down
the whole stack as before, so its 404 is the site's. The answers keep the headers a browser
would need if one ever rendered them: a fixed policy that allows nothing, and no framing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

PREFIX = "/ocpi/"
# A JSON answer needs no sources: the fixed policy of an API that browsers never render.
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"


def ocpi_resolver() -> URLResolver:
    """The site's URL configuration cut down to its /ocpi entries, in their order.

    A path under /ocpi/ can match only those, so the lane resolves against them alone: the
    whole configuration first tried the operations, admin and API entries and cost about 95
    microseconds per request against 55. The matches are the site's own (same view, route
    and arguments), tested in tests/ocpi/test_lane.py.
    """
    return _ocpi_part(get_resolver())


@functools.lru_cache(maxsize=4)
def _ocpi_part(site: URLResolver) -> URLResolver:
    entries = [
        entry
        for entry in site.url_patterns
        if isinstance(entry, URLResolver) and entry.pattern.match(PREFIX[1:])
    ]
    return URLResolver(RegexPattern(r"^/"), entries)


class OcpiLaneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        try:
            match = ocpi_resolver().resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        response.setdefault("Content-Security-Policy", JSON_POLICY)
        response.setdefault("X-Frame-Options", "DENY")
        return response
