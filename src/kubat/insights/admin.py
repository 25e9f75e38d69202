"""Insights' own tables in the admin. Corridors are edited by importing GeoJSON (the admin
shows them read-only so a hand edit cannot bypass the checks of `import_corridors`)."""

from django.contrib import admin
from django.http import HttpRequest

from kubat.insights.models import CandidateSite, Corridor, SitingRun, SupplySnapshot


@admin.register(Corridor)
class CorridorAdmin(admin.ModelAdmin[Corridor]):
    list_display = ("code", "name", "countries", "nominal_km", "traffic_weight", "source")
    list_filter = ("countries", "source")
    search_fields = ("code", "name")

    def has_change_permission(self, request: HttpRequest, obj: Corridor | None = None) -> bool:
        return False


@admin.register(CandidateSite)
class CandidateSiteAdmin(admin.ModelAdmin[CandidateSite]):
    list_display = ("name", "country_code", "batch", "lat", "lon", "source", "created_at")
    list_filter = ("country_code", "batch", "source")
    search_fields = ("name",)


@admin.register(SitingRun)
class SitingRunAdmin(admin.ModelAdmin[SitingRun]):
    list_display = ("country_code", "model", "created_at", "source")
    list_filter = ("country_code", "model", "source")
    readonly_fields = ("country_code", "model", "parameters", "result", "source", "created_at")


@admin.register(SupplySnapshot)
class SupplySnapshotAdmin(admin.ModelAdmin[SupplySnapshot]):
    list_display = ("country_code", "region", "year", "installed_kw", "points", "source")
    list_filter = ("country_code", "year", "source")
