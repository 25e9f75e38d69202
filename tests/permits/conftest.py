from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import LazySettings


@pytest.fixture(autouse=True)
def _private_media(settings: LazySettings, tmp_path: Path) -> None:
    """Uploads go to a per-test folder, never the developer's var/private."""
    settings.MEDIA_ROOT = tmp_path / "private"
    # Test users log in with passwords; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
