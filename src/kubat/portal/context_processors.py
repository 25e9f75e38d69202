"""Template context every page gets: whether the registry holds generated demo data.

The answer drives the demo banner in portal/base.html. It is one indexed EXISTS query, cached
in the process for DEMO_CACHE_SECONDS so a busy page costs nothing; a `kubat demo` run or its
removal shows up within that time (tests call `forget_demo_flag()`).
"""

from __future__ import annotations

import time

from django.http import HttpRequest

from kubat.registry import selectors as registry_selectors

DEMO_CACHE_SECONDS = 30.0
_cached: tuple[float, bool] | None = None


def forget_demo_flag() -> None:
    """Drop the cached answer, so the next page asks the registry again."""
    global _cached
    _cached = None


def demo_flag() -> bool:
    """True when the registry holds demo locations; cached per process (see module doc)."""
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > DEMO_CACHE_SECONDS:
        _cached = (now, registry_selectors.has_demo_data())
    return _cached[1]


def demo_data(request: HttpRequest) -> dict[str, bool]:
    return {"demo_data": demo_flag()}
