"""Drivers' reports, mounted with the portal's language prefixes (/ru/reports/ ...)."""

from django.urls import path

from kubat.reports import views

app_name = "reports"

urlpatterns = [
    path("locations/<int:location_id>/report/", views.new_report, name="new"),
    path("reports/queue/", views.queue, name="queue"),
    path("reports/<int:report_id>/photo", views.photo, name="photo"),
]
