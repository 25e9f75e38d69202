"""Kubat as a client speaks the highest version both sides offer: 2.3.0 when the peer offers
it, 2.2.1 with a peer that offers only that; pulls then parse that version's objects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kubat.ocpi import client as ocpi_client
from kubat.ocpi.models import Peer
from kubat.registry.models import Location
from tests.ocpi.factories import connector, evse, location
from tests.ocpi.peers import FakeOperator, accept_registration

pytestmark = pytest.mark.django_db


def _peer(versions: tuple[str, ...], rows: list[dict[str, Any]]) -> Iterator[FakeOperator]:
    fake = FakeOperator("token-a-from-operator", locations=rows, versions=versions)
    accept_registration(fake, token_c="token-c-of-operator", party=("NL", "XWP"))
    ocpi_client.transport = httpx.MockTransport(fake)
    yield fake
    ocpi_client.transport = None


def _truck_stop() -> dict[str, Any]:
    mcs = connector("1", standard="MCS", max_voltage=1250, max_amperage=800)
    return location(
        "T1",
        party="NL*XWP",
        country="NLD",
        evses=[evse("1", connectors=[mcs])],
        help_phone="+31201234567",
    )


@pytest.fixture
def both() -> Iterator[FakeOperator]:
    yield from _peer(("2.1.1", "2.2.1", "2.3.0"), [_truck_stop()])


@pytest.fixture
def old_only() -> Iterator[FakeOperator]:
    yield from _peer(("2.1.1", "2.2.1"), [location("X1", party="NL*XWP", country="NLD")])


def _register() -> Peer:
    return ocpi_client.register(
        versions_url="https://operator.example/ocpi/versions",
        token_a="token-a-from-operator",
        party_key="NL*XWP",
        our_base="https://kubat.example/ocpi",
    )


def test_kubat_registers_in_2_3_0_when_the_peer_offers_it(both: FakeOperator) -> None:
    peer = _register()
    assert peer.version == "2.3.0"
    posted_to = [r.url.path for r in both.requests if r.method == "POST"]
    assert posted_to == ["/ocpi/2.3.0/cr"]
    assert peer.endpoint("locations", "SENDER") == both.url("loc", "2.3.0")


def test_a_2_3_0_pull_stores_what_only_2_3_0_can_say(both: FakeOperator) -> None:
    _register()
    report = ocpi_client.pull(party_key="NL*XWP")
    assert (report.saved, report.rejected) == (1, [])
    stored = Location.objects.get()
    assert stored.help_phone == "+31201234567"
    assert stored.evses.get().connectors.get().standard == "MCS"


def test_kubat_still_registers_and_pulls_in_2_2_1_with_a_2_2_1_only_peer(
    old_only: FakeOperator,
) -> None:
    peer = _register()
    assert peer.version == "2.2.1"
    assert [r.url.path for r in old_only.requests if r.method == "POST"] == ["/ocpi/2.2.1/cr"]
    assert ocpi_client.pull(party_key="NL*XWP").saved == 1


def test_a_peer_registered_before_kubat_spoke_2_3_0_is_pulled_in_2_2_1(
    both: FakeOperator,
) -> None:
    """A 2.3.0 object from a peer Kubat registered with in 2.2.1 is not a 2.2.1 object: it is
    rejected and reported, not stored with fields the registration's version lacks."""
    peer = _register()
    Peer.objects.filter(pk=peer.pk).update(version="")
    report = ocpi_client.pull(party_key="NL*XWP")
    assert report.saved == 0
    assert len(report.rejected) == 1
    assert report.rejected[0].startswith("T1: ")


def test_a_peer_offering_no_version_kubat_speaks_is_refused_with_the_versions_named() -> None:
    fake = FakeOperator("token-a-from-operator", versions=("2.1.1",))
    ocpi_client.transport = httpx.MockTransport(fake)
    try:
        with pytest.raises(ocpi_client.PeerError, match=r"no OCPI 2\.3\.0 / 2\.2\.1"):
            _register()
    finally:
        ocpi_client.transport = None


def test_details_that_mislabel_their_version_are_read_as_the_version_listed(
    both: FakeOperator,
) -> None:
    from tests.ocpi.peers import ok

    def sloppy(request: httpx.Request) -> httpx.Response:
        endpoints = [
            {"identifier": "credentials", "role": "RECEIVER", "url": both.url("cr", "2.3.0")},
            {"identifier": "locations", "role": "SENDER", "url": both.url("loc", "2.3.0")},
        ]
        return ok({"version": "2.3", "endpoints": endpoints})

    both.extra["/ocpi/2.3.0"] = sloppy
    assert _register().version == "2.3.0"
