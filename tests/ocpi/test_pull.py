"""`kubat ocpi pull`: mirror a registered peer's sender Locations (peer stood in by httpx)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO

import httpx
import pytest
from django.core.management import call_command

from kubat.ocpi import client as ocpi_client
from kubat.ocpi.models import Peer
from kubat.registry.models import Location
from tests.ocpi.factories import location
from tests.ocpi.peers import FakeOperator

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Iterator[FakeOperator]:
    rows = [
        location(f"X{i}", party="NL*XWP", country="NLD", last_updated=f"2026-01-0{i}T00:00:00Z")
        for i in range(1, 6)
    ]
    fake = FakeOperator("token-c-of-operator", locations=rows)
    peer = Peer.objects.create(
        name="XWP",
        state=Peer.State.REGISTERED,
        their_token="token-c-of-operator",
        endpoints=[{"identifier": "locations", "role": "SENDER", "url": fake.url("loc")}],
    )
    from kubat.ocpi.services import party_for_key

    peer.parties.add(party_for_key(key="NL*XWP"))
    ocpi_client.transport = httpx.MockTransport(fake)
    backoff = ocpi_client.BACKOFF_SECONDS
    ocpi_client.BACKOFF_SECONDS = 0.001
    yield fake
    ocpi_client.transport = None
    ocpi_client.BACKOFF_SECONDS = backoff


def _pull(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command("ocpi", "pull", *args, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_pull_follows_link_and_mirrors_every_location(operator: FakeOperator) -> None:
    report = _pull("--party", "NL*XWP")["NL*XWP"]
    assert report["saved"] == 5  # type: ignore[index]
    assert report["pages"] == 3  # type: ignore[index]
    assert sorted(Location.objects.values_list("ocpi_id", flat=True)) == [
        "X1",
        "X2",
        "X3",
        "X4",
        "X5",
    ]
    assert Location.objects.filter(source="ocpi").count() == 5


def test_unusable_link_falls_back_to_offset(operator: FakeOperator) -> None:
    operator.link = False
    report = _pull("--party", "NL*XWP")["NL*XWP"]
    assert report["saved"] == 5  # type: ignore[index]
    offsets = [r.url.params.get("offset") for r in operator.requests]
    assert offsets == ["0", "2", "4"]


def test_transient_failures_are_retried(operator: FakeOperator) -> None:
    operator.fail_first = 2
    assert _pull("--party", "NL*XWP")["NL*XWP"]["saved"] == 5  # type: ignore[index]


def test_next_pull_resumes_with_date_from(operator: FakeOperator) -> None:
    _pull("--party", "NL*XWP")
    operator.requests.clear()
    report = _pull("--all")["NL*XWP"]
    assert operator.requests[0].url.params.get("date_from")
    assert report["received"] == 0  # type: ignore[index]


def test_locations_of_another_party_are_not_taken(operator: FakeOperator) -> None:
    operator.locations.append(location("Z1", party="KG*ABC", last_updated="2026-01-09T00:00:00Z"))
    report = _pull("--party", "NL*XWP")["NL*XWP"]
    assert report["rejected"] == ["Z1: party KG*ABC"]  # type: ignore[index]
    assert not Location.objects.filter(ocpi_id="Z1").exists()


def test_unregistered_party_exits_2() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as caught:
        _pull("--party", "NL*NOP")
    assert caught.value.returncode == 2


def test_pull_sends_request_ids_and_routing_headers(operator: FakeOperator) -> None:
    _pull("--party", "NL*XWP")
    first, second = operator.requests[:2]
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert first.headers["X-Correlation-ID"] == second.headers["X-Correlation-ID"]
    assert first.headers["OCPI-to-party-id"] == "XWP"
    assert first.headers["OCPI-from-party-id"] == "NAP"
