"""OCPI test settings: a short peer deadline, so a failing handshake's padding costs 1 s."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper


@pytest.fixture(autouse=True)
def _short_peer_deadline(settings: SettingsWrapper) -> None:
    settings.KUBAT_OCPI_PEER_TIMEOUT = 1.0
