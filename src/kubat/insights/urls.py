"""Pages under /insights/, mounted with the portal's language prefixes (/ru/insights/ ...)."""

from django.urls import path

from kubat.insights import views

app_name = "insights"

urlpatterns = [
    path("insights/", views.adequacy_page, name="home"),
    path("insights/adequacy.csv", views.adequacy_csv, name="adequacy_csv"),
    path("insights/compatibility/", views.compatibility_page, name="compatibility"),
    path("insights/compatibility.csv", views.compatibility_csv, name="compatibility_csv"),
    path("insights/corridors/", views.corridors_page, name="corridors"),
    path("insights/corridors.csv", views.corridors_csv, name="corridors_csv"),
    path("insights/projection/", views.projection_page, name="projection"),
    path("insights/projection.csv", views.projection_csv, name="projection_csv"),
    path("insights/siting/", views.siting_page, name="siting"),
    path("insights/reliability/", views.reliability_page, name="reliability"),
    path("insights/reliability.csv", views.reliability_csv, name="reliability_csv"),
    path("insights/siting/runs/<int:run_id>.csv", views.siting_csv, name="siting_csv"),
]
