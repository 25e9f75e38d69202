"""The secretariat's view of the registry: the admin road into the one write path.

Django's forms validate and build the rows in memory (`commit=False`); `registry.services`
saves them, so an edit by hand keeps derived values, counters and search rows, is stamped
with the time it was made, and leaves a status event with the source `admin`. EVSEs are never
deleted (set them REMOVED, as OCPI does, so their history stays); connectors may be.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kubat.registry import services
from kubat.registry.models import EVSE, Connector, Location, Party


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin[Party]):
    list_display = ["country_code", "party_id", "name", "organisation", "source"]
    list_filter = ["country_code", "source"]
    search_fields = ["party_id", "name"]
    autocomplete_fields = ["organisation"]


class EvseInline(admin.TabularInline[EVSE, Location]):
    model = EVSE
    fields = ["uid", "evse_id", "status", "max_power_kw", "last_updated"]
    readonly_fields = ["max_power_kw", "last_updated"]
    extra = 0
    can_delete = False
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
    readonly_fields = ["last_updated"]
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
    readonly_fields = [
        "max_power_kw",
        "charging_class",
        "evse_count",
        "lat",
        "lon",
        "source",
        "last_updated",
        "created_at",
        "country_code",  # derived from `country` (alpha-3) by the write path
    ]
    list_select_related = ["party"]
    inlines = [EvseInline]

    def save_model(self, request: HttpRequest, obj: Location, form: Any, change: bool) -> None:
        services.save_edited_location(location=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for evse in formset.save(commit=False):
            services.save_edited_evse(evse=evse)

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
    inlines = [ConnectorInline]

    readonly_fields = ["max_power_kw", "last_updated"]

    def get_readonly_fields(self, request: HttpRequest, obj: EVSE | None = None) -> list[str]:
        """An EVSE stays at its location: moving it would leave the old one's derived values."""
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "location"] if obj is not None else fields

    def has_delete_permission(self, request: HttpRequest, obj: EVSE | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: EVSE, form: Any, change: bool) -> None:
        services.save_edited_evse(evse=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for connector in formset.save(commit=False):
            services.save_edited_connector(connector=connector)
        for connector in formset.deleted_objects:
            services.save_edited_connector(connector=connector, delete=True)
