from django.contrib import admin

from kubat.reports.models import DriverReport


@admin.register(DriverReport)
class DriverReportAdmin(admin.ModelAdmin[DriverReport]):
    list_display = ("id", "location", "kind", "state", "created_at", "answered_at")
    list_filter = ("state", "kind", "source")
    raw_id_fields = ("location", "evse", "answered_by")
    readonly_fields = ("created_at",)
