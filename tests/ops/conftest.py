"""A migrated database made once per session, copied by the process tests that need one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.procs import Site, database


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("ops-template")
    with database(root, "template") as url:
        Site(Path(root) / "site", url).kubat("migrate", "--noinput", "-v", "0")
        yield url
