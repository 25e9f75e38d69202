"""Admin: periods are edited through the services (balance kept in step); everything that
records what happened (requests, decisions, certificates, audit) is read-only here."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet, construct_instance
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kubat.core.errors import KubatError
from kubat.quotas import services
from kubat.quotas.models import (
    AuditEvent,
    Certificate,
    CustomsPost,
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


class QuotaPeriodForm(forms.ModelForm[QuotaPeriod]):
    """The services' refusals as form errors, so the admin answers with the form, not a 500.

    The volume is checked here against what is allocated; against the sub-quotas it is checked
    by the inline (with their edited volumes), and save_period checks both again under the lock.
    """

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if self.errors:  # the fields' own errors first; the rules need every value
            return cleaned
        # The period as it would be saved (the form applies its values to self.instance only
        # after clean); a copy, so that a refused form leaves the instance alone.
        period = construct_instance(self, copy.copy(self.instance))
        try:
            services.check_period(period=period)
        except KubatError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        if period.pk is not None and "volume" in self.fields:
            allocated = PeriodBalance.objects.get(period_id=period.pk).allocated
            if period.volume is not None and period.volume < allocated:
                self.add_error(
                    "volume",
                    _("%(n)d units are already allocated: volume cannot be lower")
                    % {"n": allocated},
                )
        return cleaned


class SubQuotaFormSet(BaseInlineFormSet[SubQuota, QuotaPeriod, forms.ModelForm[SubQuota]]):
    """Sub-quotas fit the period's (edited) volume and never fall below what they allocated."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        total = 0
        for form in self.forms:
            if not form.cleaned_data:
                continue
            allocated = form.instance.allocated if form.instance.pk else 0
            if form.cleaned_data.get("DELETE"):
                if allocated:
                    raise ValidationError(_("A sub-quota that has allocated cannot be deleted."))
                continue
            if form.cleaned_data["volume"] < allocated:
                raise ValidationError(_("A sub-quota cannot fall below what it has allocated."))
            total += form.cleaned_data["volume"]
        volume = self.instance.volume
        if volume is not None and total > volume:
            raise ValidationError(_("Sub-quotas together exceed the period volume."))

    def save_existing(
        self, form: forms.ModelForm[SubQuota], obj: SubQuota, commit: bool = True
    ) -> SubQuota:
        # Write the volume only: `allocated` is settlement's counter, and the value this form
        # loaded may be stale by now.
        SubQuota.objects.filter(pk=obj.pk).update(
            volume=obj.volume, declarant_class=obj.declarant_class
        )
        return obj


class SubQuotaInline(admin.TabularInline[SubQuota, QuotaPeriod]):
    model = SubQuota
    formset = SubQuotaFormSet
    extra = 0
    readonly_fields = ("allocated",)


@admin.register(QuotaPeriod)
class QuotaPeriodAdmin(admin.ModelAdmin[QuotaPeriod]):
    list_display = ("name", "country_code", "year", "volume", "opens_at", "exhausted_at")
    list_filter = ("country_code", "source")
    form = QuotaPeriodForm
    inlines = (SubQuotaInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Once a period has opened, the rule its requests were received under stays fixed:
        # changing the window or the seed would reshuffle pending windows and published draws.
        if obj is not None and obj.opens_at <= timezone.now():
            return (
                "exhausted_at",
                "critical_at",
                "outcome_confirmed_at",
                "opens_at",
                "allocation_rule",
                "allocation_window_ms",
                "tie_break_seed",
                "country_code",
                "year",
            )
        return ("exhausted_at", "critical_at", "outcome_confirmed_at")

    def save_model(self, request: HttpRequest, obj: QuotaPeriod, form: Any, change: bool) -> None:
        # A new period is created here with its balance row; an edited one is saved in
        # save_related, after its sub-quotas, so that lowering both at once passes the
        # service's check that the volume holds its sub-quotas.
        if not change:
            services.save_period(period=obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            # The balance lock first (the admin view is one transaction): settlement changes
            # sub-quota counters under it, so they cannot move while these rows are written.
            PeriodBalance.objects.select_for_update().get(period_id=form.instance.pk)
        super().save_related(request, form, formsets, change)
        if change:
            # The balance row mirrors the volume; the service keeps them together.
            services.save_period(period=form.instance)

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
    list_display = (
        "pk",
        "kind",
        "declaration_number",
        "customs_post",
        "period",
        "declarant",
        "submitted_by",
        "received_at",
        "status",
    )
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


@admin.register(CustomsPost)
class CustomsPostAdmin(admin.ModelAdmin[CustomsPost]):
    """The customs posts whose codes open declaration numbers (edited by the secretariat)."""

    list_display = ("code", "country_code", "name", "source")
    list_filter = ("country_code", "source")
    search_fields = ("code", "name")
