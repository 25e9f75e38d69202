"""Insights' own tables in the admin. Corridors are edited by importing GeoJSON (the admin
shows them read-only so a hand edit cannot bypass the checks of `import_corridors`)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from kubat.core.errors import KubatError
from kubat.insights import services
from kubat.insights.models import (
    CandidateSite,
    Corridor,
    ProjectionScenario,
    SitingRun,
    SupplySnapshot,
)


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


class ScenarioForm(forms.ModelForm[ProjectionScenario]):
    """Checks the parameters with the same rule as the API (services.check_scenario)."""

    class Meta:
        model = ProjectionScenario
        fields = ("country_code", "name", "parameters")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["parameters"] = services.check_scenario(
                name=data.get("name", ""), parameters=data.get("parameters") or {}
            )
        except KubatError as exc:
            raise forms.ValidationError(f"{exc.field}: {exc.message}") from None
        return data


@admin.register(ProjectionScenario)
class ProjectionScenarioAdmin(admin.ModelAdmin[ProjectionScenario]):
    form = ScenarioForm
    list_display = ("country_code", "name", "updated_at", "updated_by")
    list_filter = ("country_code",)

    def save_model(
        self, request: HttpRequest, obj: ProjectionScenario, form: Any, change: bool
    ) -> None:
        obj.updated_at = timezone.now()
        obj.updated_by = request.user.get_username()[:150]
        super().save_model(request, obj, form, change)
