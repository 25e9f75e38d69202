"""A per-address limit on anonymous reads of the public API (KUBAT_PUBLIC_RATE_LIMIT a minute).

Anonymous means: no valid API token and no logged-in session. A request with a token that is
unknown or revoked counts as anonymous, so a made-up header does not lift the limit. Over the
limit the answer is 429 with Retry-After (the seconds left in the minute) and the API's JSON
error body. Writes are not counted here: they need a token, and logins have their own lock-out
(django-axes).

The counts live in Django's cache ("default"): the local-memory cache counts per process (with
N gunicorn workers an address gets up to N times the limit), the database cache
(KUBAT_CACHE=database) counts across processes and hosts sharing the database. Fixed one-minute
windows: simple, and a burst at a window's edge gets at most twice the limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext

from kubat.accounts import services as account_services
from kubat.core.clientip import client_address

PREFIX = "/api/v1/"
WINDOW_SECONDS = 60


def _authenticated(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return account_services.user_for_token(raw=token.strip()) is not None
    return False


def over_limit(
    request: HttpRequest, *, limit: int, now: float | None = None, scope: str = ""
) -> int | None:
    """Seconds to wait when this anonymous request is over the limit, else None (counted).

    `scope` keeps separate counts per purpose (drivers' reports use "reports"), so reading the
    API does not use up an address's reports; the API's own count has no scope.
    """
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    where = f"{scope}:" if scope else ""
    key = f"kubat:ratelimit:{where}{client_address(request)}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    if count <= limit:
        return None
    return max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))


class PublicRateLimitMiddleware:
    """KUBAT_PUBLIC_RATE_LIMIT anonymous GET/HEAD requests a minute per address on /api/v1."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = int(getattr(settings, "KUBAT_PUBLIC_RATE_LIMIT", 0) or 0)
        if (
            limit > 0
            and request.method in {"GET", "HEAD"}
            and request.path.startswith(PREFIX)
            and not _authenticated(request)
        ):
            wait = over_limit(request, limit=limit)
            if wait is not None:
                response = JsonResponse(
                    {
                        "code": "rate_limited",
                        "detail": gettext(
                            "more than %(limit)s anonymous requests a minute from your "
                            "address: retry in %(wait)s s, or use an API token"
                        )
                        % {"limit": limit, "wait": wait},
                    },
                    status=429,
                )
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)
