"""Quota pages answer absent objects and bad input with 4xx, never a 500."""

from __future__ import annotations

import pytest

from tests.quotas import factories as f

pytestmark = pytest.mark.django_db


def test_unknown_period_page_is_404(client):
    assert client.get("/quotas/periods/999/").status_code == 404


def test_unknown_certificate_number_is_404(client):
    assert client.get("/quotas/certificates/NOPE/").status_code == 404
    assert client.get("/quotas/certificates/NOPE/pdf/").status_code == 404


def test_known_period_page_is_still_200(client):
    assert client.get(f"/quotas/periods/{f.period().pk}/").status_code == 200
