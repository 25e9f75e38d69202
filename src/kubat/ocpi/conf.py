"""OCPI configuration, from the environment like every KUBAT_* setting.

KUBAT_OCPI_URL    public base URL of Kubat's /ocpi (e.g. https://kubat.kg/ocpi); when unset,
                  URLs are built from the request, and commands use http://127.0.0.1:8000/ocpi.
KUBAT_OCPI_PARTY  Kubat's own OCPI party in its credentials, `KG*NAP` by default.
KUBAT_OCPI_NAME   the business name in Kubat's credentials.
KUBAT_OCPI_RENEW_DAYS  Kubat renews its credentials with a peer it registered with once its
                  tokens are this many days old (28: the daily job keeps it within a month).
"""

from __future__ import annotations

import os
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext


def _get(name: str, default: str) -> str:
    return str(getattr(settings, name, None) or os.environ.get(name) or default)


def base_url(request: HttpRequest | None = None) -> str:
    """The URL of /ocpi without a trailing slash."""
    configured = getattr(settings, "KUBAT_OCPI_URL", None) or os.environ.get("KUBAT_OCPI_URL")
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/ocpi").rstrip("/")
    return "http://127.0.0.1:8000/ocpi"


def own_party() -> tuple[str, str]:
    from kubat.registry.services import parse_party_key

    return parse_party_key(_get("KUBAT_OCPI_PARTY", "KG*NAP"), field="KUBAT_OCPI_PARTY")


def own_name() -> str:
    return _get("KUBAT_OCPI_NAME", "Kubat national access point")


def renew_after() -> timedelta:
    """The age at which `kubat ocpi renew --due` renews a peer's tokens (KUBAT_OCPI_RENEW_DAYS)."""
    from kubat.core.errors import InvalidInput

    value = _get("KUBAT_OCPI_RENEW_DAYS", "28")
    if not value.isdigit() or int(value) < 1:
        raise InvalidInput(
            gettext("KUBAT_OCPI_RENEW_DAYS must be a whole number of days, not %(value)r")
            % {"value": value},
            field="KUBAT_OCPI_RENEW_DAYS",
        )
    return timedelta(days=int(value))
