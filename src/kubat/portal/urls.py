"""Portal addresses, mounted under kubat.portal.i18n.portal_patterns (so /ru/map/ works too).

/portal-api/markers is the map's own compact feed (see map_feed); /api/v1 is the public API.
"""

from django.urls import path

from kubat.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("map/", views.map_page, name="map"),
    path("locations/<int:location_id>/", views.location, name="location"),
    path("open-data/", views.open_data, name="open_data"),
    path("standards/", views.standards_page, name="standards"),
    path("portal-api/markers", views.markers, name="markers"),
]
