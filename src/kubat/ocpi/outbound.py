"""Where Kubat's OCPI client may send a request, and the httpx transport that holds to it.

A peer tells Kubat which URLs to call: the credentials `url`, the version and endpoint URLs,
the `Link` of every page. Taken on trust that is a server-side request forgery: a peer names
http://127.0.0.1:5432/, http://169.254.169.254/ or a host in the operator's own network, and
Kubat, sitting inside that network, calls it. So every request of the OCPI client goes through
`PinnedTransport`:

1. the host is resolved once, and every address it resolves to must be public
   (`refusal_reason`): one non-public answer refuses the host, so a name resolving to a public
   and a private address cannot be used to reach the private one;
2. the connection goes to the address that was checked, never to the name again: a second
   lookup could answer differently (DNS rebinding). The Host header keeps the name, and so do
   TLS SNI and the certificate check (httpcore's `sni_hostname` extension);
3. `KUBAT_OCPI_ALLOWED_PEER_NETWORKS` (comma-separated CIDRs, empty by default) allows networks
   anyway: tests and local development `127.0.0.0/8,::1/128`, a deployment that peers over a
   private link that link's network.

Redirects are never followed (the client is built with follow_redirects=False): a 3xx is an
unusable answer like any other, so a public peer cannot bounce Kubat to a refused address.
Environment proxies are ignored (trust_env=False): the transport is always this one.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kubat.core.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RefusedAddress(InvalidInput):
    """The URL points at an address Kubat does not call on a peer's word (OCPI 2001)."""


def allowed_networks() -> tuple[Network, ...]:
    """KUBAT_OCPI_ALLOWED_PEER_NETWORKS parsed; a wrong CIDR stops Kubat with the value named."""
    return _parse_networks(str(getattr(settings, "KUBAT_OCPI_ALLOWED_PEER_NETWORKS", "") or ""))


@lru_cache(maxsize=8)
def _parse_networks(value: str) -> tuple[Network, ...]:
    networks = []
    for item in value.split(","):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"KUBAT_OCPI_ALLOWED_PEER_NETWORKS: {item.strip()!r} is not a CIDR network"
            ) from None
    return tuple(networks)


def refusal_reason(address: Address, *, allowed: tuple[Network, ...] = ()) -> str | None:
    """Why Kubat must not connect to `address`, or None when it may.

    Refused: loopback, private (RFC 1918, ULA, and the other special-purpose blocks Python's
    ipaddress lists as private: shared address space, documentation, benchmarking), link-local
    (169.254/16 holds cloud metadata services), multicast, reserved, unspecified, and anything
    else not globally routable. An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the
    IPv4 address it carries. `allowed` networks are accepted whatever they are.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address.version == n.version and address in n for n in allowed):
        return None
    for reason, hit in (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not globally routable", not address.is_global),
    ):
        if hit:
            return reason
    return None


def vet(host: str, port: int) -> list[Address]:
    """The addresses to connect to for `host`, in the resolver's order: resolved once, every
    answer checked.

    Raises RefusedAddress when any answer is refused, httpx.ConnectError when the name does not
    resolve (a network failure like any other).
    """
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise httpx.ConnectError(f"{host} does not resolve") from None
    allowed = allowed_networks()
    addresses: list[Address] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        reason = refusal_reason(address, allowed=allowed)
        if reason:
            raise RefusedAddress(
                f"{host} resolves to a {reason} address ({address}): Kubat does not call it "
                "(KUBAT_OCPI_ALLOWED_PEER_NETWORKS)",
                field="url",
            )
        addresses.append(address)
    if not addresses:
        raise httpx.ConnectError(f"{host} does not resolve")
    return list(dict.fromkeys(addresses))


class PinnedTransport(httpx.BaseTransport):
    """An httpx transport that vets each request's host and connects to the vetted address."""

    def __init__(self, **kwargs: Any) -> None:
        # retries=0: Kubat's client decides about retries; none may happen behind its back.
        self._inner = httpx.HTTPTransport(retries=0, **kwargs)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https") or not url.host:
            raise RefusedAddress(f"{url.scheme}: URLs are not OCPI endpoints", field="url")
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = vet(url.host, port)
        # Host was set from the original URL when the request was built; SNI and the
        # certificate check follow sni_hostname, so TLS still proves the name, not the address.
        if url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": url.host}
        # Each vetted address in turn while the connection is refused (`localhost` answers ::1
        # and 127.0.0.1; a server may listen on one only); every one of them was checked.
        for address in addresses[:-1]:
            request.url = url.copy_with(host=str(address))
            try:
                return self._inner.handle_request(request)
            except httpx.ConnectError:
                continue
        request.url = url.copy_with(host=str(addresses[-1]))
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()
