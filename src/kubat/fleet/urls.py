from django.urls import path

from kubat.fleet import views

app_name = "fleet"

urlpatterns = [
    path("fleet/", views.fleet, name="fleet"),
]
