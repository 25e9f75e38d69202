"""/ocpi: the versions endpoint, then each OCPI version's modules (versions.py) at its own URLs.

Every version's URLs are the same paths under `/ocpi/{version}/`, routed to the same views
with the version as a keyword (transport.endpoint hands it to the handler), so 2.2.1 and 2.3.0
share one implementation and each answers with its own version's objects.

Tolerant of real peers: implementations in the field join an advertised module URL and the
object path with a separator or without one. Kubat advertises every module URL with a trailing
slash and routes each path with or without a trailing slash, and with doubled slashes, to the
same view.
"""

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpResponseBase
from django.urls import URLPattern, re_path

from kubat.ocpi import cdr_views, versions, views


def _route(
    pattern: str,
    view: Callable[..., HttpResponseBase],
    name: str | None = None,
    kwargs: dict[str, Any] | None = None,
) -> URLPattern:
    """`a/b/<x>` as a regex that takes `/+` between segments and an optional trailing `/`."""
    parts = [
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("<") else re.escape(part)
        for part in pattern.split("/")
    ]
    return re_path(rf"^{'/+'.join(parts)}/*$", view, kwargs, name=name)


def version_routes(number: str) -> list[URLPattern]:
    """The modules every version serves, under /ocpi/{number}/ (names shared by versions:
    ops.metrics counts OCPI updates by name, whatever the version)."""
    loc = f"{number}/receiver/locations/<country_code>/<party_id>/<location_id>"
    sender = f"{number}/sender/locations/<location_id>"
    tariff = f"{number}/receiver/tariffs/<country_code>/<party_id>/<tariff_id>"
    version = {"version": number}
    return [
        _route(number, views.version_details, "ocpi-version-details", version),
        _route(f"{number}/credentials", views.credentials, "ocpi-credentials", version),
        _route(loc, views.receiver_object, "ocpi-receiver-location", version),
        _route(f"{loc}/<evse_uid>", views.receiver_object, "ocpi-receiver-evse", version),
        _route(
            f"{loc}/<evse_uid>/<connector_id>",
            views.receiver_object,
            "ocpi-receiver-connector",
            version,
        ),
        _route(tariff, views.receiver_tariff, "ocpi-receiver-tariff", version),
        _route(f"{number}/sender/tariffs", views.sender_tariffs, "ocpi-sender-tariffs", version),
        _route(f"{number}/sender/locations", views.sender_list, "ocpi-sender-locations", version),
        _route(sender, views.sender_object, None, version),
        _route(f"{sender}/<evse_uid>", views.sender_object, None, version),
        _route(f"{sender}/<evse_uid>/<connector_id>", views.sender_object, None, version),
        *_cdr_routes(number),
    ]


def _cdr_routes(number: str) -> list[URLPattern]:
    """The CDRs receiver, for the versions whose details advertise it (versions.py)."""
    if not any(m[0] == "cdrs" for m in versions.BY_NUMBER[number].modules):
        return []
    version = {"version": number}
    cdr = f"{number}/receiver/cdrs/<country_code>/<party_id>/<cdr_id>"
    return [
        _route(f"{number}/receiver/cdrs", cdr_views.receiver_cdrs, "ocpi-receiver-cdrs", version),
        _route(cdr, cdr_views.receiver_cdr, "ocpi-receiver-cdr", version),
    ]


urlpatterns = [
    _route("versions", views.versions_list, "ocpi-versions"),
    *(route for v in versions.PREFERRED for route in version_routes(v.number)),
    # Anything else under /ocpi: a 404 in the envelope, not Django's HTML page.
    re_path(r"^.*$", views.unknown),
]
