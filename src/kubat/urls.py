"""URL map: the admin, /api/v1, /open-data and the portal pages."""

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
    path("", include("kubat.fleet.urls")),
    path("", include("kubat.quotas.urls")),
    path("", include("kubat.permits.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language for the switcher
    # Portal pages: /map/ in the reader's language, /ru/map/ etc. in a fixed one.
    *portal_patterns(path("", include("kubat.insights.urls"))),
    *portal_patterns(path("", include("kubat.ppp.urls"))),
    *portal_patterns(path("", include("kubat.strategy.urls"))),
    *portal_patterns(path("", include("kubat.reports.urls"))),
    *portal_patterns(path("", include("kubat.portal.urls"))),
]
