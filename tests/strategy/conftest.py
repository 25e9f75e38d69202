from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import LazySettings


@pytest.fixture(autouse=True)
def _isolated_files(settings: LazySettings, tmp_path: Path) -> None:
    """Permit attachments and the signing key of a test in its own folder (as tests/permits)."""
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.KUBAT_PERMIT_SIGNING_DIR = tmp_path / "signing"
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
