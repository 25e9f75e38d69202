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


# Writes accept either a token (machine clients) or a logged-in session (the portal, with CSRF).
token_or_session = [BearerToken(), SessionAuth()]
