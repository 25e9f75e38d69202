"""Remembers the language a signed-in person uses, so their e-mails come in it.

Runs after LocaleMiddleware and AuthenticationMiddleware. The last language seen is kept in
the session, so the database is written only when a person switches language, not on every
page. Requests without a session login (API tokens, OCPI peers) are machines and are skipped.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

from kubat.accounts import services

SESSION_KEY = "kubat_language_seen"


class RememberLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated:
            language = translation.get_language()
            if request.session.get(SESSION_KEY) != language:
                services.remember_language(user=user, language=language)
                request.session[SESSION_KEY] = language
        return self.get_response(request)
