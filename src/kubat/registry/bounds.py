"""What a real charging location can hold: the physical and size bounds of registry input.

Checked on the raw OCPI-shaped dicts (a whole Location, an EVSE, a Connector, or a PATCH of
one) before they are validated and written, by every way in: /api/v1 PUT and imports, the OCPI
receiver, `kubat ocpi pull`. A value outside them is a typo or an attack, never a charger, and
would otherwise overflow a database column (a 500) or swell every page that lists the location.

Bounds, and why:
- max_voltage 0–1,500 V: the highest DC charging voltage in any standard (MCS is 1,250 V);
- max_amperage 0–3,000 A: the Megawatt Charging System's ceiling;
- max_electric_power 0–4,000,000 W: MCS at 1,250 V × 3,000 A is 3.75 MW;
- at most MAX_EVSES_PER_LOCATION EVSEs in a location and MAX_CONNECTORS_PER_EVSE connectors in
  an EVSE: the largest hubs have a few hundred points, an EVSE a handful of connectors;
- an EVSE uid once in its location and a connector id once in its EVSE, compared as OCPI
  compares CiStrings (any case): two objects under one id are one object given twice, and
  writing both would break the registry's unique keys (an IntegrityError, a 500).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from kubat.core.errors import InvalidInput

MAX_EVSES_PER_LOCATION = 500
MAX_CONNECTORS_PER_EVSE = 16
CONNECTOR_BOUNDS = {
    "max_voltage": (0, 1_500, "V"),
    "max_amperage": (0, 3_000, "A"),
    "max_electric_power": (0, 4_000_000, "W"),
}


# The same bounds as JSON Schema keywords on the OCPI components of /api/v1's document (applied
# by kubat.openapi), so that the document says what a location may hold.
JSON_SCHEMA: dict[str, dict[str, dict[str, int]]] = {
    "Connector": {name: {"maximum": high} for name, (_, high, _) in CONNECTOR_BOUNDS.items()},
    "EVSE": {"connectors": {"maxItems": MAX_CONNECTORS_PER_EVSE}},
    "Location": {"evses": {"maxItems": MAX_EVSES_PER_LOCATION}},
}


def _where(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def check_connector(body: Any, *, prefix: str = "") -> None:
    if not isinstance(body, dict):
        return
    for name, (low, high, unit) in CONNECTOR_BOUNDS.items():
        value = body.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue  # missing, null or not a number: the schema names it
        if not low <= value <= high:
            where = _where(prefix, name)
            raise InvalidInput(
                gettext("%(where)s: %(value)s %(unit)s is outside %(low)s–%(high)s %(unit)s")
                % {
                    "where": where,
                    "value": f"{value:g}",
                    "unit": unit,
                    "low": low,
                    "high": f"{high:,}",
                },
                field=where,
            )


def _check_unique(items: list[Any], *, key: str, prefix: str, message: str) -> None:
    """Each item's `key` once in `items`, case-insensitively; InvalidInput naming the second."""
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        value = item.get(key) if isinstance(item, dict) else None
        if not isinstance(value, str):
            continue  # missing or not text: the schema names it
        first = seen.setdefault(value.upper(), index)
        if first != index:
            where = _where(prefix, f"{index}.{key}")
            detail = message % {"value": repr(value), "other": _where(prefix, str(first))}
            raise InvalidInput(f"{where}: {detail}", field=where)


def check_evse(body: Any, *, prefix: str = "") -> None:
    if not isinstance(body, dict):
        return
    connectors = body.get("connectors")
    if isinstance(connectors, list):
        if len(connectors) > MAX_CONNECTORS_PER_EVSE:
            where = _where(prefix, "connectors")
            raise InvalidInput(
                gettext("%(where)s: %(count)s connectors, at most %(most)s in one EVSE")
                % {"where": where, "count": len(connectors), "most": MAX_CONNECTORS_PER_EVSE},
                field=where,
            )
        _check_unique(
            connectors,
            key="id",
            prefix=_where(prefix, "connectors"),
            message=gettext("connector id %(value)s is given twice (also at %(other)s)"),
        )
        for index, connector in enumerate(connectors):
            check_connector(connector, prefix=_where(prefix, f"connectors.{index}"))


def check_location(body: Any, *, prefix: str = "") -> None:
    """Raise InvalidInput naming the first value out of bounds (see the module docstring)."""
    if not isinstance(body, dict):
        return
    evses = body.get("evses")
    if isinstance(evses, list):
        if len(evses) > MAX_EVSES_PER_LOCATION:
            where = _where(prefix, "evses")
            raise InvalidInput(
                gettext("%(where)s: %(count)s EVSEs, at most %(most)s in one location")
                % {"where": where, "count": len(evses), "most": MAX_EVSES_PER_LOCATION},
                field=where,
            )
        _check_unique(
            evses,
            key="uid",
            prefix=_where(prefix, "evses"),
            message=gettext("EVSE uid %(value)s is given twice (also at %(other)s)"),
        )
        for index, evse in enumerate(evses):
            check_evse(evse, prefix=_where(prefix, f"evses.{index}"))
