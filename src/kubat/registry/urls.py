from django.urls import path

from kubat.registry import views

urlpatterns = [
    path("open-data/locations.geojson", views.locations_geojson, name="open-data-geojson"),
    path("open-data/locations.csv", views.locations_csv, name="open-data-csv"),
    path("open-data/datapackage.json", views.package, name="open-data-package"),
    path("open-data/snapshots/", views.snapshot_index, name="open-data-snapshots"),
    path(
        "open-data/snapshots/<str:day>/<str:name>",
        views.snapshot_file,
        name="open-data-snapshot-file",
    ),
]
