"""Bar charts as data for server-rendered SVG: one row per key, widths in percent of the top."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise


def bars(
    counts: Mapping[str, int],
    *,
    names: Mapping[str, str | Promise] | None = None,
    keep_order: bool = False,
) -> list[dict[str, object]]:
    """Rows {key, label, value, pct}, largest first unless keep_order; pct of the largest value.

    pct is 0–100 with one decimal, so the template draws `width="{{ pct }}%"` with no
    arithmetic; an empty mapping gives no rows.
    """
    items = list(counts.items())
    if not keep_order:
        items.sort(key=lambda kv: (-kv[1], kv[0]))
    top = max((v for _, v in items), default=0)
    return [
        {
            "key": key,
            "label": str((names or {}).get(key, key)),
            "value": value,
            "pct": round(100.0 * value / top, 1) if top else 0.0,
        }
        for key, value in items
    ]
