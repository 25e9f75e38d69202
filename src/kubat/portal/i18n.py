"""Language in the address: `/map/` in the reader's language, `/ru/map/` always in Russian.

Django's `i18n_patterns(prefix_default_language=False)` serves unprefixed addresses in
LANGUAGE_CODE only: its LocaleMiddleware ignores the language cookie and Accept-Language there,
and its URL pattern only matches the unprefixed form while English is active. The issue asks
for stable unprefixed addresses in the reader's language (switcher cookie, then
Accept-Language), so the portal uses two small variations:

- `AnyLanguagePrefixPattern` matches `<lang>/…` for the active language and the bare `…`
  whatever language is active (also `en/…`, so every language has a prefixed form). Reversing
  gives the bare path in English and `<lang>/…` in the others, as i18n_patterns would.
- `LocaleMiddleware` takes the language from the path prefix when there is one, else from the
  cookie or Accept-Language, and adds `Vary: Cookie, Accept-Language` to unprefixed answers so
  a cache never serves one reader's language to another.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.urls import LocalePrefixPattern, URLPattern, URLResolver
from django.utils import translation
from django.utils.cache import patch_vary_headers


def _language_codes() -> set[str]:
    return {code for code, _ in settings.LANGUAGES}


def _has_language_prefix(path: str) -> bool:
    return path.split("/", 1)[0] in _language_codes()


class AnyLanguagePrefixPattern(LocalePrefixPattern):
    """Matches `<active language>/…`, `en/…` and any path without a language prefix."""

    def __init__(self) -> None:
        super().__init__(prefix_default_language=False)

    def match(self, path: str) -> tuple[str, tuple[()], dict[str, Any]] | None:
        prefix = self.language_prefix
        default_prefix = f"{settings.LANGUAGE_CODE}/"
        if prefix and path.startswith(prefix):
            return path.removeprefix(prefix), (), {}
        if path.startswith(default_prefix) and translation.get_language() == (
            settings.LANGUAGE_CODE
        ):
            return path.removeprefix(default_prefix), (), {}
        if not _has_language_prefix(path):
            return path, (), {}
        return None


def portal_patterns(*urls: URLPattern | URLResolver) -> list[URLResolver]:
    """Like i18n_patterns(prefix_default_language=False), with the rules in the module doc."""
    return [URLResolver(AnyLanguagePrefixPattern(), list(urls))]


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Language from the path prefix, else the cookie, else Accept-Language, else English."""

    def process_request(self, request: HttpRequest) -> None:
        language = translation.get_language_from_path(request.path_info)
        if not language:
            language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        language = translation.get_language()
        if not translation.get_language_from_path(request.path_info):
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response
