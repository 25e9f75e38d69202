"""URL map: the admin, /api/v1, /ocpi, /open-data and the pages in four languages."""

from django.contrib import admin
from django.urls import include, path, re_path

from kubat.api import api
from kubat.portal.i18n import portal_patterns

urlpatterns = [
    path("", include("kubat.ops.urls")),  # /healthz, /readyz, /metrics
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # `/+`: a peer that joins URLs with a doubled slash still reaches OCPI (kubat.ocpi.urls).
    re_path(r"^ocpi/+", include("kubat.ocpi.urls")),
    path("", include("kubat.registry.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language for the switcher
    # Pages: /quotas/ in the reader's language, /ru/quotas/ etc. in a fixed one (the bare
    # addresses stay as they were; /api/v1 and /ocpi above take no prefix).
    *portal_patterns(
        path("", include("kubat.fleet.urls")),
        path("", include("kubat.quotas.urls")),
        path("", include("kubat.permits.urls")),
        path("", include("kubat.insights.urls")),
        path("", include("kubat.ppp.urls")),
        path("", include("kubat.strategy.urls")),
        path("", include("kubat.reports.urls")),
        path("", include("kubat.portal.urls")),
    ),
]
