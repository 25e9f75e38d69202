"""The request middleware: a request id, one structured log line and the metrics per request.

The id is the caller's `X-Request-ID` when it looks like one (letters, digits, `.`, `_`, `:`,
`-`, at most 128), else a new UUID; it is put back into the request headers, so the OCPI
transport, which echoes the header, returns the same id, and it is returned on every answer.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import empty

from kubat.ops import metrics, routers

log = logging.getLogger("kubat.request")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_of(request: HttpRequest) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if REQUEST_ID.fullmatch(given) else str(uuid.uuid4())


def _who(request: HttpRequest) -> str:
    """The user's name, without costing a query when nothing in the request looked it up."""
    user = getattr(request, "user", None)
    if user is None:
        return ""
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return ""
    return str(user.get_username()) if user.is_authenticated else ""


_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _route(request: HttpRequest) -> tuple[str, str]:
    """The URL pattern that answered (bounded label values), regex patterns made readable:
    `ocpi/^/*2\\.2\\.1/+versions/*$` becomes `/ocpi/2.2.1/versions/`."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>", ""
    return _readable(match.route), match.url_name or ""


@functools.lru_cache(maxsize=1024)
def _readable(route: str) -> str:
    """Routes are the URL configuration's patterns, a bounded set: each is rewritten once."""
    route = _GROUP.sub(r"<\1>", route)
    for regex, plain in (("^", ""), ("$", ""), ("/*", "/"), ("/+", "/"), ("\\.", ".")):
        route = route.replace(regex, plain)
    return re.sub("/{2,}", "/", "/" + route)


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.monotonic()
        rid = request_id_of(request)
        request.META["HTTP_X_REQUEST_ID"] = rid
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)
        routers.mark_request(request)
        response = self.get_response(request)
        seconds = time.monotonic() - started
        if "X-Request-ID" not in response:
            response["X-Request-ID"] = rid
        route, url_name = _route(request)
        method = request.method or ""
        metrics.observe_request(
            route=route,
            url_name=url_name,
            method=method,
            status=response.status_code,
            seconds=seconds,
        )
        log.info(
            "request",
            extra={
                "method": method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
                "user": _who(request),
                "ocpi_party": ",".join(getattr(request, "ocpi_parties", ())),
                "remote_addr": request.META.get("REMOTE_ADDR", ""),
            },
        )
        return response
