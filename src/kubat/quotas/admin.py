"""Admin: periods are edited through the services (balance kept in step); everything that
records what happened (requests, decisions, certificates, audit) is read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from kubat.quotas import services
from kubat.quotas.models import (
    AuditEvent,
    Certificate,
    Declarant,
    PeriodBalance,
    QuotaPeriod,
    QuotaRequest,
    RequestedVehicle,
    SubQuota,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SubQuotaInline(admin.TabularInline[SubQuota, QuotaPeriod]):
    model = SubQuota
    extra = 0
    readonly_fields = ("allocated",)


@admin.register(QuotaPeriod)
class QuotaPeriodAdmin(admin.ModelAdmin[QuotaPeriod]):
    list_display = ("name", "country_code", "year", "volume", "opens_at", "exhausted_at")
    list_filter = ("country_code", "source")
    inlines = (SubQuotaInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Once a period has opened, the rule its requests were received under stays fixed:
        # changing the window or the seed would reshuffle pending windows and published draws.
        if obj is not None and obj.opens_at <= timezone.now():
            return (
                "exhausted_at",
                "opens_at",
                "allocation_rule",
                "allocation_window_ms",
                "tie_break_seed",
                "country_code",
                "year",
            )
        return ("exhausted_at",)

    def save_model(self, request: HttpRequest, obj: QuotaPeriod, form: Any, change: bool) -> None:
        # The balance row mirrors the volume; the service keeps them together.
        services.save_period(period=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PeriodBalance)
class PeriodBalanceAdmin(ReadOnlyAdmin):
    list_display = ("period", "volume", "allocated", "cleared", "returned", "updated_at")


@admin.register(Declarant)
class DeclarantAdmin(admin.ModelAdmin[Declarant]):
    list_display = ("country_code", "tax_id", "kind", "declarant_class", "name")
    list_filter = ("country_code", "kind", "declarant_class")
    search_fields = ("tax_id", "name")


class VehicleInline(admin.TabularInline[RequestedVehicle, QuotaRequest]):
    model = RequestedVehicle
    extra = 0
    can_delete = False
    fields = ("position", "vin", "make", "model", "powertrain", "decision", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QuotaRequest)
class QuotaRequestAdmin(ReadOnlyAdmin):
    list_display = ("pk", "period", "declarant", "submitted_by", "channel", "received_at", "status")
    list_filter = ("period", "status", "channel")
    inlines = (VehicleInline,)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("number", "vin", "period", "status", "issued_at", "cleared_at")
    list_filter = ("period", "status")
    search_fields = ("number", "vin")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "allocated_delta")
    list_filter = ("action", "period")
    search_fields = ("object_id", "actor_label")
