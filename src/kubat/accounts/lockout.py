"""Login lock-out (django-axes) for logins over HTTP; other callers of authenticate() pass."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginLockoutBackend(AxesStandaloneBackend):
    """Axes' backend, except that authenticate() without a request (the shell, a management
    command, a test) is not a login from an address: nothing to count or lock, so it is left
    to the next backend instead of raising AxesBackendRequestParameterRequired."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
