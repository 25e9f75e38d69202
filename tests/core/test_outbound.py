"""The core outbound guard shared by OCPI and permit webhooks: the address check alone (no
traffic) and the transport's https rule against a loopback server."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured

from kubat.core import outbound


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("10.0.0.1", "private"),
        ("172.20.1.1", "private"),
        ("192.168.0.10", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not globally routable"),
    ],
)
def test_non_public_addresses_are_refused_by_the_core_check(address: str, reason: str) -> None:
    assert outbound.refusal_reason(ipaddress.ip_address(address)) == reason


def test_loopback_networks_allow_loopback_and_nothing_private() -> None:
    allowed = outbound.LOOPBACK
    assert outbound.refusal_reason(ipaddress.ip_address("127.0.0.1"), allowed=allowed) is None
    assert outbound.refusal_reason(ipaddress.ip_address("::1"), allowed=allowed) is None
    assert outbound.refusal_reason(ipaddress.ip_address("10.0.0.1"), allowed=allowed) == "private"


def test_a_wrong_network_names_the_setting() -> None:
    with pytest.raises(ImproperlyConfigured, match="KUBAT_X: 'nope'"):
        outbound.parse_networks("127.0.0.0/8, nope", setting="KUBAT_X")


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_https_only_refuses_plain_http_outside_the_allowed_networks(server_port: int) -> None:
    # Allowed: loopback, so plain http to it is the development exception.
    allowed = outbound.PinnedTransport(allowed=lambda: outbound.LOOPBACK, https_only=True)
    with httpx.Client(transport=allowed) as http:
        assert http.get(f"http://127.0.0.1:{server_port}/").status_code == 204
    # Not allowed: refused before any connection, naming the setting.
    refused = outbound.PinnedTransport(setting="KUBAT_Y", https_only=True)
    with httpx.Client(transport=refused) as http, pytest.raises(outbound.RefusedAddress) as err:
        http.get(f"http://127.0.0.1:{server_port}/")
    assert "loopback" in err.value.message
    assert "KUBAT_Y" in err.value.message
