"""Pages under /insights/ (the site root includes this module)."""

from django.urls import path

from kubat.insights import views

app_name = "insights"

urlpatterns = [
    path("insights/", views.home, name="home"),
]
