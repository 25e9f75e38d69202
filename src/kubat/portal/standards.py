"""The registry's per-country charging-standard profiles, as the portal shows them.

The profiles are the registry's files (src/kubat/registry/standards/<CC>.json) and its checker
decides compliance; this module only finds them and turns them into something a template can
print. Until the registry ships them, the standards page says so and location pages show no
compliance section.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kubat.portal import labels
from kubat.registry.models import Location

_STANDARDS_DIR = Path(importlib.import_module("kubat.registry").__file__ or "").parent / "standards"


def profiles() -> list[dict[str, Any]]:
    """[{code, name, data, html}] for each profile file, KG before KZ."""
    found = []
    for path in sorted(_STANDARDS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        code = path.stem.upper()
        found.append(
            {
                "code": code,
                "name": labels.COUNTRIES.get(code, code),
                "data": data,
                "html": render_value(data),
            }
        )
    return found


def render_value(value: Any) -> SafeString:
    """A JSON value as nested HTML lists: objects as <dl>, arrays as <ul>, scalars as text."""
    if isinstance(value, dict):
        return format_html(
            '<dl class="profile">{}</dl>',
            format_html_join(
                "",
                "<dt>{}</dt><dd>{}</dd>",
                ((str(k).replace("_", " "), render_value(v)) for k, v in value.items()),
            ),
        )
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return format_html("{}", ", ".join(_scalar(v) for v in value))
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((render_value(v),) for v in value))
        )
    return format_html("{}", _scalar(value))


def _scalar(value: Any) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value is None:
        return "—"
    text = str(value)
    return str(labels.CONNECTORS.get(text, text))


def compliance_of(location: Location) -> dict[str, Any] | None:
    """The registry's compliance result for a location, or None while it has no checker."""
    try:
        module = importlib.import_module("kubat.registry.standards")
    except ImportError:
        return None
    checker = getattr(module, "check_location", None)
    if checker is None:
        return None
    result = checker(location=location)
    return result if isinstance(result, dict) else {"result": result}


def open_data_downloads() -> list[dict[str, str]]:
    """The registry's open-data files (served by the registry app under /open-data/)."""
    return [
        {
            "format": "GeoJSON",
            "url": "/open-data/locations.geojson",
            "media": "application/geo+json",
        },
        {"format": "CSV", "url": "/open-data/locations.csv", "media": "text/csv"},
    ]
