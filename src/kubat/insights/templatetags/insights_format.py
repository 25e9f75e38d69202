"""Template filters of the insights pages."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import pgettext_lazy

register = template.Library()

SCENARIO_LABELS = {
    "low": pgettext_lazy("projection scenario", "low"),
    "central": pgettext_lazy("projection scenario", "central"),
    "high": pgettext_lazy("projection scenario", "high"),
}


@register.filter
def scenario_label(name: str) -> str:
    """A projection scenario's name in the reader's language (the name itself is the key the
    API and the CSV use, so it stays English there)."""
    return str(SCENARIO_LABELS.get(name, name))


@register.filter
def percent(value: float | None) -> str:
    """A fraction 0–1 as a percentage with one decimal in the reader's locale; — for None."""
    if value is None:
        return "—"
    return f"{number_format(round(float(value) * 100, 1), decimal_pos=1)} %"
