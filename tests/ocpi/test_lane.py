"""The OCPI lane (kubat.ocpi.lane) and the status PATCH that checks its token in its own write.

A status-only EVSE PATCH is one statement on PostgreSQL: the caller's token, its party and the
routing headers are checked inside the write, so a revoked token or another party's EVSE
must still be refused with nothing written, exactly as the regular way refuses them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import resolve

from kubat.core import prepared
from kubat.ocpi.lane import ocpi_resolver
from kubat.ocpi.models import Peer
from kubat.registry.models import EVSE, EVSEStatusEvent
from tests.ocpi.factories import call, location, location_url, registered_peer

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement PATCH is PostgreSQL's"
)


@pytest.fixture
def pushed(client: Client) -> Peer:
    peer = registered_peer("KG*ABC")
    assert call(client, "PUT", location_url(), location()).json()["status_code"] == 1000
    return peer


def _stamp(seconds: int = 0) -> str:
    return (datetime.now(UTC) - timedelta(minutes=5) + timedelta(seconds=seconds)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def _patch_status(client: Client, status: str, *, seconds: int = 0, **kw: Any) -> Any:
    body = {"status": status, "last_updated": _stamp(seconds)}
    return call(client, "PATCH", location_url("BSK1", "1"), body, **kw)


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The prepared statements run (core.prepared.fetch), counted and passed through."""
    seen: list[str] = []
    real = prepared.fetch

    def counting(sql: str, params: Any) -> list[tuple[Any, ...]]:
        seen.append(sql)
        return real(sql, params)

    monkeypatch.setattr(prepared, "fetch", counting)
    return seen


def _events() -> list[tuple[str, str]]:
    evse = EVSE.objects.get(location__ocpi_id="BSK1", uid="1")
    return list(
        EVSEStatusEvent.objects.filter(evse=evse).order_by("id").values_list("status", "source")
    )


def test_an_ocpi_answer_takes_no_session_and_allows_nothing_to_render(
    client: Client, pushed: Peer
) -> None:
    response = call(client, "GET", "/ocpi/versions")
    assert response.status_code == 200
    assert response.cookies == {}
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Language"] == "en"
    assert response["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still runs


@pytest.mark.parametrize(
    "path",
    [
        "/ocpi/versions",
        "/ocpi//versions/",
        "/ocpi/2.2.1",
        "/ocpi/2.3.0/credentials/",
        "/ocpi/2.2.1/receiver/locations/KG/ABC/L1",
        "/ocpi/2.2.1/receiver/locations/KG/ABC/L1/E1/",
        "/ocpi/2.3.0//receiver/locations/KG/ABC/L1/E1/C1",
        "/ocpi/2.2.1/receiver/tariffs/KG/ABC/T1",
        "/ocpi/2.2.1/sender/locations/L1/E1",
        "/ocpi/2.2.1/no-such-module",
    ],
)
def test_the_lane_resolves_every_ocpi_path_as_the_site_does(path: str) -> None:
    site, lane = resolve(path), ocpi_resolver().resolve(path)
    assert (lane.func, lane.route, lane.kwargs, lane.url_name) == (
        site.func,
        site.route,
        site.kwargs,
        site.url_name,
    )


def test_an_unknown_ocpi_path_gets_the_sites_404(client: Client, pushed: Peer) -> None:
    response = call(client, "GET", "/ocpi/9.9.9/nothing/here")
    assert response.status_code == 404


@postgres_only
def test_a_status_patch_is_one_statement_with_its_token_checked_inside(
    client: Client, pushed: Peer, statements: list[str]
) -> None:
    response = _patch_status(client, "CHARGING")
    assert response.json()["status_code"] == 1000
    assert len(statements) == 1
    assert "ocpi_peer" in statements[0]
    assert "registry_evsestatusevent" in statements[0]
    assert _events()[-1] == ("CHARGING", "ocpi")


def test_a_status_patch_with_routing_headers_of_the_caller_is_accepted(
    client: Client, pushed: Peer
) -> None:
    response = _patch_status(
        client, "BLOCKED", HTTP_OCPI_FROM_COUNTRY_CODE="KG", HTTP_OCPI_FROM_PARTY_ID="ABC"
    )
    assert response.json()["status_code"] == 1000
    assert _events()[-1] == ("BLOCKED", "ocpi")


def test_a_status_patch_from_a_revoked_peer_is_refused_and_writes_nothing(
    client: Client, pushed: Peer
) -> None:
    before = _events()
    Peer.objects.filter(pk=pushed.pk).update(state=Peer.State.UNREGISTERED)
    response = _patch_status(client, "CHARGING")
    assert response.status_code == 401
    assert _events() == before


def test_a_status_patch_for_another_partys_evse_is_refused_and_writes_nothing(
    client: Client, pushed: Peer
) -> None:
    registered_peer("KZ*XYZ", token="other-token")
    before = _events()
    response = _patch_status(client, "CHARGING", token="other-token")
    assert response.status_code == 403
    assert _events() == before


def test_a_status_patch_naming_a_sender_not_of_the_caller_is_refused_and_writes_nothing(
    client: Client, pushed: Peer
) -> None:
    before = _events()
    response = _patch_status(
        client, "CHARGING", HTTP_OCPI_FROM_COUNTRY_CODE="KZ", HTTP_OCPI_FROM_PARTY_ID="XYZ"
    )
    assert response.json()["status_code"] == 2001
    assert _events() == before


def test_an_older_status_patch_is_refused_and_writes_nothing(client: Client, pushed: Peer) -> None:
    assert _patch_status(client, "CHARGING", seconds=60).json()["status_code"] == 1000
    before = _events()
    response = _patch_status(client, "BLOCKED", seconds=0)
    assert response.json()["status_code"] != 1000
    assert _events() == before
    assert EVSE.objects.get(location__ocpi_id="BSK1", uid="1").status == "CHARGING"
