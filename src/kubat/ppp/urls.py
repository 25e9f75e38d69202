"""PPP pages under /ppp/, mounted with the portal's language prefixes."""

from django.urls import path

from kubat.ppp import views

app_name = "ppp"

urlpatterns = [
    path("ppp/", views.call_list, name="list"),
    path("ppp/calls.csv", views.calls_csv, name="csv"),
    path("ppp/new/", views.publish, name="publish"),
    path("ppp/<int:call_id>/", views.call_detail, name="call"),
    path("ppp/<int:call_id>/express/", views.express, name="express"),
    path("ppp/<int:call_id>/award/", views.award, name="award"),
]
