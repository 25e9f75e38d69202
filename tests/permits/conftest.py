from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import LazySettings


@pytest.fixture(autouse=True)
def _private_media(settings: LazySettings, tmp_path: Path) -> None:
    """Uploads go to a per-test folder, never the developer's var/private."""
    settings.MEDIA_ROOT = tmp_path / "private"
    # WhiteNoise warns (an error under -W error) when STATIC_ROOT does not exist yet, as on a
    # fresh clone before collectstatic; pages are tested without collected files.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    # Test users log in with passwords; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
