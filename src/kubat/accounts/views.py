"""The language switcher: Django's set_language, which also keeps a signed-in person's choice.

Picking a language with the switcher is the profile setting for e-mails
(kubat.accounts.models.LanguagePreference): browsing under another prefix later does not
change it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.views.i18n import set_language as django_set_language

from kubat.accounts import middleware, services


def set_language(request: HttpRequest) -> HttpResponse:
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if (
        request.method == "POST"
        and isinstance(user, User)
        and user.is_authenticated
        and language in dict(settings.LANGUAGES)
    ):
        services.choose_language(user=user, language=language)
        request.session[middleware.SESSION_KEY] = language
    return response
