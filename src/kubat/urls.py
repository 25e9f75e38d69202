"""URL map: the admin, /api/v1, /open-data and the portal pages."""

from django.contrib import admin
from django.urls import include, path

from kubat.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("ocpi/", include("kubat.ocpi.urls")),
    path("", include("kubat.registry.urls")),
    path("", include("kubat.fleet.urls")),
    path("", include("kubat.quotas.urls")),
    path("", include("kubat.permits.urls")),
    path("", include("kubat.portal.urls")),
]
