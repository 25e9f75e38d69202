from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import LazySettings


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One development signing key per test session, never the developer's var/signing."""
    return tmp_path_factory.mktemp("signing")


@pytest.fixture(autouse=True)
def _private_media(settings: LazySettings, tmp_path: Path, signing_dir: Path) -> None:
    """Uploads go to a per-test folder, never the developer's var/private."""
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.KUBAT_PERMIT_SIGNING_DIR = signing_dir
    # WhiteNoise warns (an error under -W error) when STATIC_ROOT does not exist yet, as on a
    # fresh clone before collectstatic; pages are tested without collected files.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    # Test users log in with passwords; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
