"""Where Kubat may send a request on someone else's word, and the httpx transport that holds
to it: the one guard against server-side request forgery, shared by every outbound road (the
OCPI client, permit webhooks).

A peer or subscriber tells Kubat which URL to call. Taken on trust that is a server-side
request forgery: it names http://127.0.0.1:5432/, http://169.254.169.254/ or a host in the
operator's own network, and Kubat, sitting inside that network, calls it. So such requests go
through `PinnedTransport`:

1. the host is resolved once, and every address it resolves to must be public
   (`refusal_reason`): one non-public answer refuses the host, so a name resolving to a public
   and a private address cannot be used to reach the private one;
2. the connection goes to the address that was checked, never to the name again: a second
   lookup could answer differently (DNS rebinding: a name with a zero TTL that answers a public
   address to the check and 127.0.0.1 to the connection). The Host header keeps the name, and
   so do TLS SNI and the certificate check (httpcore's `sni_hostname` extension);
3. networks the caller's setting allows are accepted anyway (`allowed`, read per request so a
   changed setting applies at once): tests and local development allow loopback, a deployment
   that peers over a private link that link's network;
4. with `https_only`, plain http is refused unless every vetted address is in an allowed
   network (a webhook carries a signature and case data: it travels encrypted).

Callers build their client with follow_redirects=False (a 3xx is an unusable answer, so a
public host cannot bounce Kubat to a refused address) and trust_env=False (no environment
proxy in between: the transport is always this one). Nothing here knows an app: each caller
passes its own setting's name for the messages.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import httpx
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext

from kubat.core.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)


class RefusedAddress(InvalidInput):
    """The URL points at an address Kubat does not call on someone's word (OCPI 2001, HTTP 400)."""


@lru_cache(maxsize=16)
def parse_networks(value: str, *, setting: str) -> tuple[Network, ...]:
    """Comma-separated CIDRs as networks; a wrong one stops Kubat with `setting` and it named."""
    networks = []
    for item in value.split(","):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{setting}: {item.strip()!r} is not a CIDR network"
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
    if in_networks(address, allowed):
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


def in_networks(address: Address, networks: tuple[Network, ...]) -> bool:
    """Whether `address` (an IPv4-mapped IPv6 address as its IPv4) is in one of `networks`."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == n.version and address in n for n in networks)


def vet(
    host: str, port: int, *, allowed: tuple[Network, ...] = (), setting: str = ""
) -> list[Address]:
    """The addresses to connect to for `host`, in the resolver's order: resolved once, every
    answer checked against `refusal_reason`.

    Raises RefusedAddress (field `url`, naming `setting`) when any answer is refused,
    httpx.ConnectError when the name does not resolve (a network failure like any other).
    """
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise httpx.ConnectError(f"{host} does not resolve") from None
    addresses: list[Address] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        reason = refusal_reason(address, allowed=allowed)
        if reason:
            where = f" ({setting})" if setting else ""
            raise RefusedAddress(
                gettext(
                    "%(host)s resolves to a %(reason)s address (%(address)s): "
                    "Kubat does not call it"
                )
                % {"host": host, "reason": reason, "address": address}
                + where,
                field="url",
            )
        addresses.append(address)
    if not addresses:
        raise httpx.ConnectError(f"{host} does not resolve")
    return list(dict.fromkeys(addresses))


class PinnedTransport(httpx.BaseTransport):
    """An httpx transport that vets each request's host and connects to the vetted address.

    `allowed` is called per request for the networks accepted anyway; `setting` names where
    they come from in refusals; `https_only` refuses plain http outside those networks.
    """

    def __init__(
        self,
        *,
        allowed: Callable[[], tuple[Network, ...]] = tuple,
        setting: str = "",
        https_only: bool = False,
        **kwargs: Any,
    ) -> None:
        self._allowed = allowed
        self._setting = setting
        self._https_only = https_only
        # retries=0: the caller decides about retries; none may happen behind its back.
        self._inner = httpx.HTTPTransport(retries=0, **kwargs)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https") or not url.host:
            raise RefusedAddress(
                gettext("%(scheme)s: URLs are not called, only http(s)") % {"scheme": url.scheme},
                field="url",
            )
        port = url.port or (443 if url.scheme == "https" else 80)
        allowed = self._allowed()
        addresses = vet(url.host, port, allowed=allowed, setting=self._setting)
        if (
            self._https_only
            and url.scheme == "http"
            and not all(in_networks(a, allowed) for a in addresses)
        ):
            raise RefusedAddress(
                gettext("%(host)s: plain http is refused, use https") % {"host": url.host},
                field="url",
            )
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
