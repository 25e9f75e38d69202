"""The drivers' report form and the operator's answer form (shape only; rules in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kubat.reports.models import Kind
from kubat.reports.services import ANSWER_STATES, MAX_MESSAGE


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is wrong?"), choices=Kind.choices, widget=forms.RadioSelect
    )
    evse = forms.ChoiceField(label=_("Which charging point?"), required=False)
    message = forms.CharField(
        label=_("Tell the operator what you saw"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photo = forms.FileField(
        label=_("Photo (optional, JPEG, PNG or WebP, up to 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args: object, evses: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["evse"].choices = [("", _("The whole location")), *evses]  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(s.value, s.label) for s in ANSWER_STATES],
    )
    answer = forms.CharField(
        label=_("Answer to the driver"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
