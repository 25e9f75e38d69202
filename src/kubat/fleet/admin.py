from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from kubat.fleet import services
from kubat.fleet.models import DomesticProduction, EVModel, Registration


@admin.register(EVModel)
class EVModelAdmin(admin.ModelAdmin[EVModel]):
    list_display = (
        "make",
        "model",
        "variant",
        "powertrain",
        "battery_kwh",
        "max_dc_kw",
        "source",
    )
    list_filter = (
        "powertrain",
        "market",
        "source",
    )
    search_fields = (
        "make",
        "model",
        "variant",
    )


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin[Registration]):
    list_display = (
        "vin",
        "make",
        "model",
        "powertrain",
        "country_code",
        "registered_on",
        "origin",
    )
    list_filter = (
        "country_code",
        "origin",
        "powertrain",
        "source",
    )
    search_fields = (
        "vin",
        "make",
        "model",
    )
    raw_id_fields = ("ev_model",)

    # Through the fleet's write path, so the maintained registration counts follow the edit.
    def save_model(self, request: Any, obj: Registration, form: Any, change: bool) -> None:
        services.save_registration(registration=obj)

    def delete_model(self, request: Any, obj: Registration) -> None:
        services.delete_registration(registration=obj)

    def delete_queryset(self, request: Any, queryset: QuerySet[Registration]) -> None:
        for registration in queryset:
            services.delete_registration(registration=registration)


@admin.register(DomesticProduction)
class DomesticProductionAdmin(admin.ModelAdmin[DomesticProduction]):
    list_display = (
        "country_code",
        "year",
        "maker",
        "planned_units",
        "produced_units",
        "source",
    )
    list_filter = (
        "country_code",
        "source",
    )
