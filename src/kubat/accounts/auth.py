"""Authentication for django-ninja routers: a bearer API token, or the browser session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from kubat.accounts import services


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` as issued by `kubat accounts issue-token`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = services.user_for_token(raw=token)
        if user is not None:
            request.user = user
        return user


class LoggedInSession(SessionAuth):
    """The browser session, CSRF-checked, but only for a logged-in user.

    ninja's SessionAuth checks CSRF before it looks at the user, so an anonymous write (no
    token, no session) was answered 403 "CSRF check failed": an error about a cookie for a
    caller who simply is not authenticated. Without a logged-in user this declines instead, and
    the request ends in 401 with WWW-Authenticate (kubat.api); a logged-in user still needs
    the CSRF token.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


# Writes accept either a token (machine clients) or a logged-in session (the portal, with CSRF).
token_or_session = [BearerToken(), LoggedInSession()]
