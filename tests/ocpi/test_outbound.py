"""Kubat calls a URL on a peer's word only where it may: no request to loopback, private,
link-local, multicast or reserved addresses unless KUBAT_OCPI_ALLOWED_PEER_NETWORKS allows it.

Traffic in these tests goes to loopback only: the private and reserved ranges are proved
refused by the address check alone (`refusal_reason`), never by sending anything there.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from kubat.ocpi import client as ocpi_client
from kubat.ocpi import services
from kubat.ocpi.models import Peer
from kubat.ocpi.outbound import PinnedTransport, RefusedAddress, refusal_reason, vet
from tests.ocpi.factories import BASE, call

LOOPBACK = "127.0.0.0/8,::1/128"


def body(url: str) -> dict[str, Any]:
    return {
        "token": "token-b-of-operator",
        "url": url,
        "roles": [
            {
                "role": "CPO",
                "business_details": {"name": "Bishkek Charge"},
                "party_id": "ABC",
                "country_code": "KG",
            }
        ],
    }


class Listener:
    """A TCP socket listening on loopback that answers nothing: it only counts connections."""

    def __init__(self, family: socket.AddressFamily = socket.AF_INET) -> None:
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.port = int(self.sock.getsockname()[1])

    def connections(self) -> int:
        """Connections made so far (the kernel completes them in the backlog unaccepted)."""
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    sock = Listener()
    yield sock
    sock.close()


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


# The address check alone: no traffic. --------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("100.64.0.1", "not globally routable"),
        ("192.0.2.1", "private"),
        ("198.18.0.1", "private"),
        ("2001:db8::1", "private"),
    ],
)
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2a00:1450:4001::1"])
def test_public_addresses_are_accepted(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


def test_allowed_networks_are_accepted_and_only_they() -> None:
    allowed = (ipaddress.ip_network("10.20.0.0/16"), ipaddress.ip_network("::1/128"))
    assert refusal_reason(ipaddress.ip_address("10.20.3.4"), allowed=allowed) is None
    assert refusal_reason(ipaddress.ip_address("::1"), allowed=allowed) is None
    assert refusal_reason(ipaddress.ip_address("10.21.0.1"), allowed=allowed) == "private"
    assert refusal_reason(ipaddress.ip_address("127.0.0.1"), allowed=allowed) == "loopback"


def test_a_name_resolving_to_loopback_is_refused() -> None:
    with pytest.raises(RefusedAddress) as refused:
        vet("localhost", 80)
    assert refused.value.field == "url"
    assert "loopback" in refused.value.message


def test_a_wrong_allowed_network_stops_kubat_naming_it(settings: SettingsWrapper) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.KUBAT_OCPI_ALLOWED_PEER_NETWORKS = "127.0.0.0/8,not-a-network"
    with pytest.raises(ImproperlyConfigured, match="not-a-network"):
        vet("127.0.0.1", 80)


# The credentials handshake, against real loopback sockets. ----------------------------------


def _post_credentials(client: Client, url: str) -> dict[str, Any]:
    _, token_a = services.issue_token_a(party_key="KG*ABC")
    response = call(client, "POST", f"{BASE}/credentials", body(url), token=token_a)
    return dict(response.json())


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2"])
def test_credentials_url_on_loopback_is_refused_without_any_request(
    client: Client, listener: Listener, host: str
) -> None:
    answer = _post_credentials(client, f"http://{host}:{listener.port}/ocpi/versions")
    assert answer["status_code"] == 2001, answer
    assert answer["status_message"].startswith("url:")
    assert "loopback" in answer["status_message"]
    assert listener.connections() == 0
    assert Peer.objects.get().state == Peer.State.PENDING


@pytest.mark.django_db
@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_credentials_url_on_ipv6_loopback_is_refused_without_any_request(
    client: Client,
) -> None:
    six = Listener(socket.AF_INET6)
    try:
        answer = _post_credentials(client, f"http://[::1]:{six.port}/")
        assert answer["status_code"] == 2001, answer
        assert six.connections() == 0
    finally:
        six.close()


@pytest.mark.django_db
def test_an_allowed_network_is_called_so_the_listener_would_see_a_request(
    client: Client, listener: Listener, settings: SettingsWrapper
) -> None:
    """The control for the test above: the same listener does see Kubat when allowed."""
    settings.KUBAT_OCPI_ALLOWED_PEER_NETWORKS = LOOPBACK
    answer = _post_credentials(client, f"http://127.0.0.1:{listener.port}/ocpi/versions")
    assert answer["status_code"] == 3001
    assert listener.connections() == 1


class _Handler(BaseHTTPRequestHandler):
    hosts: list[str]
    status = 404
    location = ""

    def do_GET(self) -> None:
        self.hosts.append(self.headers.get("Host", ""))
        self.send_response(self.status)
        if self.location:
            self.send_header("Location", self.location)
        payload = b'{"status_code": 2000, "status_message": "INTERNAL-SECRET at 10.0.0.7"}'
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[ThreadingHTTPServer, list[str]]]:
    hosts: list[str] = []
    handler = type("Handler", (_Handler,), {"hosts": hosts})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, hosts
    server.shutdown()
    server.server_close()


def _elapsed_answer(client: Client, url: str) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    answer = _post_credentials(client, url)
    return time.monotonic() - started, answer


@pytest.mark.django_db
def test_open_closed_and_answering_ports_look_the_same_to_the_peer(
    client: Client,
    listener: Listener,
    http_server: tuple[ThreadingHTTPServer, list[str]],
    settings: SettingsWrapper,
) -> None:
    settings.KUBAT_OCPI_ALLOWED_PEER_NETWORKS = LOOPBACK
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = int(probe.getsockname()[1])
    server, _ = http_server
    answers = {}
    for name, port in (
        ("closed", closed),
        ("silent", listener.port),
        ("http", server.server_address[1]),
    ):
        Peer.objects.all().delete()
        url = f"http://127.0.0.1:{port}/ocpi/versions"
        elapsed, answer = _elapsed_answer(client, url)
        answer["status_message"] = answer["status_message"].replace(url, "URL")
        answers[name] = elapsed, answer
    # The same words but for the URL the peer gave itself.
    messages = {a["status_message"] for _, a in answers.values()}
    assert len(messages) == 1, answers
    assert {a["status_code"] for _, a in answers.values()} == {3001}
    for elapsed, _ in answers.values():
        assert elapsed >= settings.KUBAT_OCPI_PEER_TIMEOUT
    # The remote body ("INTERNAL-SECRET ...") never travels back to the caller.
    assert "INTERNAL-SECRET" not in messages.pop()


@pytest.mark.django_db
def test_a_redirect_is_not_followed(
    listener: Listener,
    http_server: tuple[ThreadingHTTPServer, list[str]],
    settings: SettingsWrapper,
) -> None:
    settings.KUBAT_OCPI_ALLOWED_PEER_NETWORKS = LOOPBACK
    server, hosts = http_server
    server.RequestHandlerClass.status = 302  # type: ignore[attr-defined]
    server.RequestHandlerClass.location = f"http://127.0.0.1:{listener.port}/"  # type: ignore[attr-defined]
    with pytest.raises(ocpi_client.PeerError):
        ocpi_client.discover(
            versions_url=f"http://127.0.0.1:{server.server_address[1]}/ocpi/versions",
            token="t",
            uniform=False,
        )
    assert len(hosts) == 1  # the versions URL once (a 3xx is not retried), never the target
    assert listener.connections() == 0


def test_the_connection_goes_to_the_vetted_address_and_keeps_the_host_name(
    http_server: tuple[ThreadingHTTPServer, list[str]], settings: SettingsWrapper
) -> None:
    settings.KUBAT_OCPI_ALLOWED_PEER_NETWORKS = LOOPBACK
    server, hosts = http_server
    port = server.server_address[1]
    with httpx.Client(transport=PinnedTransport()) as http:
        response = http.get(f"http://localhost:{port}/ocpi/versions")
    assert response.status_code == 404
    assert hosts == [f"localhost:{port}"]


def test_a_scheme_other_than_http_is_refused() -> None:
    with httpx.Client(transport=PinnedTransport()) as http, pytest.raises(RefusedAddress):
        http.get("ftp://example.org/versions")


@pytest.mark.django_db
def test_register_command_refuses_a_loopback_url_with_exit_2(listener: Listener) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as refused:
        call_command(
            "ocpi",
            "register",
            f"http://localhost:{listener.port}/ocpi/versions",
            "--token",
            "token-a",
            "--party",
            "NL*XWP",
        )
    assert refused.value.returncode == 2
    assert "url: " in str(refused.value)
    assert listener.connections() == 0
