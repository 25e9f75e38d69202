"""URL map: the admin, /api/v1, /ocpi, /open-data and the pages in four languages."""

from django.contrib import admin
from django.urls import include, path, re_path

from kubat.accounts import views as accounts_views
from kubat.api import api
from kubat.portal.i18n import portal_patterns

urlpatterns = [
    path("", include("kubat.ops.urls")),  # /healthz, /readyz, /metrics
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # `/+`: a peer that joins URLs with a doubled slash still reaches OCPI (kubat.ocpi.urls).
    re_path(r"^ocpi/+", include("kubat.ocpi.urls")),
    path("", include("kubat.registry.urls")),
    # The switcher: Django's set_language, also keeping a signed-in person's e-mail language.
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
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
