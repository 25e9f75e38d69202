"""The application form: site, land right and up to three groups of identical EVSEs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kubat.permits.models import AttachmentKind, LandRight, PermitCase
from kubat.permits.standards import allowed_standards
from kubat.registry.enums import CONNECTOR_TYPE_CHOICES, POWER_TYPE_CHOICES

GROUPS = 3
SITE_FIELDS = (
    "country_code",
    "site_name",
    "region",
    "city",
    "address",
    "latitude",
    "longitude",
    "land_right",
    "land_document",
    "party_id",
)
STANDARD_CHOICES = [
    (value, label) for value, label in CONNECTOR_TYPE_CHOICES if value in allowed_standards()
]


class ApplicationForm(forms.Form):
    country_code = forms.ChoiceField(
        label=_("Country"), choices=[("KG", _("Kyrgyzstan")), ("KZ", _("Kazakhstan"))]
    )
    site_name = forms.CharField(label=_("Site name"), max_length=120)
    region = forms.CharField(label=_("Region"), max_length=60)
    city = forms.CharField(label=_("City"), max_length=45)
    address = forms.CharField(label=_("Address"), max_length=45)
    latitude = forms.FloatField(label=_("Latitude (WGS84)"), min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Longitude (WGS84)"), min_value=-180, max_value=180)
    land_right = forms.ChoiceField(label=_("Land right"), choices=LandRight.choices)
    land_document = forms.CharField(label=_("Land document number"), max_length=120, required=False)
    party_id = forms.CharField(label=_("OCPI party id (3 characters)"), min_length=3, max_length=3)
    grid_capacity_kw = forms.FloatField(
        label=_("Grid capacity requested (kW)"), min_value=0, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(GROUPS):
            self.fields[f"g{i}_count"] = forms.IntegerField(
                label=_("Number of EVSEs"), min_value=0, max_value=100, required=False
            )
            self.fields[f"g{i}_power_type"] = forms.ChoiceField(
                label=_("Power type"), choices=POWER_TYPE_CHOICES, required=False
            )
            self.fields[f"g{i}_max_kw"] = forms.FloatField(
                label=_("Maximum power per EVSE (kW)"), min_value=0, required=False
            )
            self.fields[f"g{i}_standards"] = forms.MultipleChoiceField(
                label=_("Connectors"),
                choices=STANDARD_CHOICES,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def site_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in (*SITE_FIELDS, "grid_capacity_kw")]

    def groups(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"g{i}_{name}"] for name in ("count", "power_type", "max_kw", "standards")]
            for i in range(GROUPS)
        ]

    def application_data(self) -> dict[str, Any]:
        """The cleaned form as `schemas.Application` input; empty EVSE rows are left out."""
        data = self.cleaned_data
        evses = []
        for i in range(GROUPS):
            count = data.get(f"g{i}_count") or 0
            if count:
                evses.append(
                    {
                        "count": count,
                        "power_type": data.get(f"g{i}_power_type"),
                        "max_kw": data.get(f"g{i}_max_kw") or 0,
                        "standards": data.get(f"g{i}_standards") or [],
                    }
                )
        keys = SITE_FIELDS
        result: dict[str, Any] = {k: data[k] for k in keys}
        result["grid_capacity_kw"] = data.get("grid_capacity_kw") or 0
        result["planned_evses"] = evses
        return result

    @classmethod
    def initial_for(cls, case: PermitCase) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(case, name) for name in (*SITE_FIELDS, "grid_capacity_kw")
        }
        for i, group in enumerate(case.planned_evses[:GROUPS]):
            for name in ("count", "power_type", "max_kw", "standards"):
                initial[f"g{i}_{name}"] = group[name]
        return initial


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))
