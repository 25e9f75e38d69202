from django.urls import path

from kubat.registry import views

urlpatterns = [
    path("open-data/locations.geojson", views.locations_geojson, name="open-data-geojson"),
    path("open-data/locations.csv", views.locations_csv, name="open-data-csv"),
]
