"""The secretariat's view of the registry. Edits go through services so derived values hold."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kubat.registry import services
from kubat.registry.models import EVSE, Connector, Location, Party

# The summary of a location taken in save_model, consumed in save_related of the same request.
_BEFORE: dict[int, services.Summary | None] = {}


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin[Party]):
    list_display = ["country_code", "party_id", "name", "organisation", "source"]
    list_filter = ["country_code", "source"]
    search_fields = ["party_id", "name"]
    autocomplete_fields = ["organisation"]


class EvseInline(admin.TabularInline[EVSE, Location]):
    model = EVSE
    fields = ["uid", "evse_id", "status", "max_power_kw", "last_updated"]
    readonly_fields = ["max_power_kw"]
    extra = 0
    show_change_link = True


class ConnectorInline(admin.TabularInline[Connector, EVSE]):
    model = Connector
    fields = [
        "ocpi_id",
        "standard",
        "format",
        "power_type",
        "max_voltage",
        "max_amperage",
        "max_electric_power",
        "last_updated",
    ]
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    list_display = [
        "ocpi_id",
        "name",
        "city",
        "region",
        "country_code",
        "party",
        "charging_class",
        "max_power_kw",
        "evse_count",
        "publish",
        "source",
    ]
    list_filter = ["country_code", "charging_class", "publish", "source", "region"]
    search_fields = ["ocpi_id", "name", "city", "address"]
    readonly_fields = ["max_power_kw", "charging_class", "evse_count", "lat", "lon", "created_at"]
    list_select_related = ["party"]
    inlines = [EvseInline]

    def save_model(self, request: HttpRequest, obj: Location, form: Any, change: bool) -> None:
        # The counters move by the difference, so take the old state before anything is saved.
        _BEFORE[id(request)] = (
            services.summary_of(Location.objects.get(pk=obj.pk)) if change else None
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = _BEFORE.pop(id(request), None)
        services.refresh_location(location=form.instance, before=before)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Location]) -> None:
        for location in queryset:
            services.delete_location(location=location)

    def delete_model(self, request: HttpRequest, obj: Location) -> None:
        services.delete_location(location=obj)


@admin.register(EVSE)
class EvseAdmin(admin.ModelAdmin[EVSE]):
    list_display = ["uid", "evse_id", "location", "status", "max_power_kw"]
    list_filter = ["status"]
    search_fields = ["uid", "evse_id"]
    raw_id_fields = ["location"]
    readonly_fields = ["max_power_kw"]
    inlines = [ConnectorInline]

    def save_model(self, request: HttpRequest, obj: EVSE, form: Any, change: bool) -> None:
        _BEFORE[id(request)] = services.summary_of(Location.objects.get(pk=obj.location_id))
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = _BEFORE.pop(id(request), None)
        services.refresh_location(location=form.instance.location, before=before)
