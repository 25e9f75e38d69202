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

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve

PREFIX = "/ocpi/"
# A JSON answer needs no sources: the fixed policy of an API that browsers never render.
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"


class OcpiLaneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        response.setdefault("Content-Security-Policy", JSON_POLICY)
        response.setdefault("X-Frame-Options", "DENY")
        return response
