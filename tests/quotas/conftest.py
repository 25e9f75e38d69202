"""Quota test setup."""

from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(autouse=True, scope="session")
def _static_root() -> None:
    # WhiteNoise warns (an error under filterwarnings) when STATIC_ROOT does not exist yet,
    # as on a fresh clone before `collectstatic`; page tests need it to exist.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
