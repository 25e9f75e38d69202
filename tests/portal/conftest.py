"""Portal fixtures: the registry's own demo data (no mocks), and a fresh demo-banner flag."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from kubat.portal.context_processors import forget_demo_flag
from kubat.registry import demo as registry_demo


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues() -> None:
    """Compile locale/*.po when its .mo is missing or older, as `make messages` would.

    The .mo files are git-ignored build output; this keeps a bare `pytest` run after a pull
    from testing stale translations.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        with mo.open("wb") as target:
            write_mo(target, catalog)


@pytest.fixture(autouse=True)
def _fresh_demo_flag() -> Iterator[None]:
    forget_demo_flag()
    yield
    forget_demo_flag()


@pytest.fixture
def demo_registry(db: None) -> dict[str, int]:
    """The generated registry `kubat demo` loads: 230 KG locations, 225 KZ with the hub."""
    return registry_demo.load_demo(seed=7)
