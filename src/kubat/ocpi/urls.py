"""/ocpi: OCPI 2.2.1 as advertised in the version details (views.py).

Tolerant of real peers: implementations in the field join an advertised module URL and the
object path with a separator or without one. Kubat advertises every module URL with a trailing
slash and routes each path with or without a trailing slash, and with doubled slashes, to the
same view.
"""

import re
from collections.abc import Callable

from django.http import HttpResponseBase
from django.urls import URLPattern, re_path

from kubat.ocpi import cdr_views, views


def _route(
    pattern: str, view: Callable[..., HttpResponseBase], name: str | None = None
) -> URLPattern:
    """`a/b/<x>` as a regex that takes `/+` between segments and an optional trailing `/`."""
    parts = [
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("<") else re.escape(part)
        for part in pattern.split("/")
    ]
    return re_path(rf"^{'/+'.join(parts)}/*$", view, name=name)


LOC = "2.2.1/receiver/locations/<country_code>/<party_id>/<location_id>"
SENDER = "2.2.1/sender/locations/<location_id>"

urlpatterns = [
    _route("versions", views.versions, "ocpi-versions"),
    _route("2.2.1", views.version_details, "ocpi-version-details"),
    _route("2.2.1/credentials", views.credentials, "ocpi-credentials"),
    _route(LOC, views.receiver_object, "ocpi-receiver-location"),
    _route(f"{LOC}/<evse_uid>", views.receiver_object, "ocpi-receiver-evse"),
    _route(f"{LOC}/<evse_uid>/<connector_id>", views.receiver_object, "ocpi-receiver-connector"),
    _route(
        "2.2.1/receiver/tariffs/<country_code>/<party_id>/<tariff_id>",
        views.receiver_tariff,
        "ocpi-receiver-tariff",
    ),
    _route("2.2.1/sender/tariffs", views.sender_tariffs, "ocpi-sender-tariffs"),
    _route("2.2.1/receiver/cdrs", cdr_views.receiver_cdrs, "ocpi-receiver-cdrs"),
    _route(
        "2.2.1/receiver/cdrs/<country_code>/<party_id>/<cdr_id>",
        cdr_views.receiver_cdr,
        "ocpi-receiver-cdr",
    ),
    _route("2.2.1/sender/locations", views.sender_list, "ocpi-sender-locations"),
    _route(SENDER, views.sender_object),
    _route(f"{SENDER}/<evse_uid>", views.sender_object),
    _route(f"{SENDER}/<evse_uid>/<connector_id>", views.sender_object),
    re_path(r"^.*$", views.unknown),
]
