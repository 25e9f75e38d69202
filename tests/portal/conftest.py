"""Portal fixtures: the registry's own demo data (no mocks), and a fresh demo-banner flag."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from kubat.portal.context_processors import forget_demo_flag
from kubat.registry import demo as registry_demo


@pytest.fixture(autouse=True)
def _fresh_demo_flag() -> Iterator[None]:
    forget_demo_flag()
    yield
    forget_demo_flag()


@pytest.fixture(autouse=True)
def _no_cached_clusters() -> Iterator[None]:
    """The map keeps a clusters answer for 15 s (map_feed.CLUSTER_CACHE_SECONDS); each test
    sees its own data."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo_registry(db: None) -> dict[str, int]:
    """The generated registry `kubat demo` loads: 230 KG locations, 225 KZ with the hub."""
    return registry_demo.load_demo(seed=7)
