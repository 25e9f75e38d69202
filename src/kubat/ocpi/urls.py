"""/ocpi: OCPI 2.2.1 as advertised in the version details (views.py)."""

from django.urls import path, re_path

from kubat.ocpi import views

LOC = "2.2.1/receiver/locations/<str:country_code>/<str:party_id>/<str:location_id>"

urlpatterns = [
    path("versions", views.versions, name="ocpi-versions"),
    path("2.2.1", views.version_details, name="ocpi-version-details"),
    path("2.2.1/", views.version_details),
    path("2.2.1/credentials", views.credentials, name="ocpi-credentials"),
    path(LOC, views.receiver_object, name="ocpi-receiver-location"),
    path(f"{LOC}/<str:evse_uid>", views.receiver_object, name="ocpi-receiver-evse"),
    path(
        f"{LOC}/<str:evse_uid>/<str:connector_id>",
        views.receiver_object,
        name="ocpi-receiver-connector",
    ),
    path(
        "2.2.1/receiver/tariffs/<str:country_code>/<str:party_id>/<str:tariff_id>",
        views.receiver_tariff,
        name="ocpi-receiver-tariff",
    ),
    path("2.2.1/sender/tariffs", views.sender_tariffs, name="ocpi-sender-tariffs"),
    path("2.2.1/sender/locations", views.sender_list, name="ocpi-sender-locations"),
    path("2.2.1/sender/locations/<str:location_id>", views.sender_object),
    path("2.2.1/sender/locations/<str:location_id>/<str:evse_uid>", views.sender_object),
    path(
        "2.2.1/sender/locations/<str:location_id>/<str:evse_uid>/<str:connector_id>",
        views.sender_object,
    ),
    re_path(r"^.*$", views.unknown),
]
