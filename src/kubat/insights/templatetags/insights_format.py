"""Template filters of the insights pages."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """A fraction 0–1 as a percentage with one decimal in the reader's locale; — for None."""
    if value is None:
        return "—"
    return f"{number_format(round(float(value) * 100, 1), decimal_pos=1)} %"
