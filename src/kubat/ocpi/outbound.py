"""Where Kubat's OCPI client may send a request: the core guard (`kubat.core.outbound`) with
OCPI's own setting.

Every URL a peer gives (the credentials `url`, the version and endpoint URLs, the `Link` of
every page) is called through `PinnedTransport`: resolved once, refused when any answer is a
loopback, private, link-local, multicast or reserved address, connected to the address that
was checked. `KUBAT_OCPI_ALLOWED_PEER_NETWORKS` (comma-separated CIDRs, empty by default;
tests and local development `127.0.0.0/8,::1/128`, a deployment that peers over a private link
that link's network) allows networks anyway. See the core module for the reasons.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from kubat.core import outbound as core_outbound
from kubat.core.outbound import Address, Network, RefusedAddress, refusal_reason

__all__ = ["PinnedTransport", "RefusedAddress", "allowed_networks", "refusal_reason", "vet"]

SETTING = "KUBAT_OCPI_ALLOWED_PEER_NETWORKS"


def allowed_networks() -> tuple[Network, ...]:
    """KUBAT_OCPI_ALLOWED_PEER_NETWORKS parsed; a wrong CIDR stops Kubat with the value named."""
    value = str(getattr(settings, SETTING, "") or "")
    return core_outbound.parse_networks(value, setting=SETTING)


def vet(host: str, port: int) -> list[Address]:
    """The vetted addresses of `host` under OCPI's allowed networks (see core `vet`)."""
    return core_outbound.vet(host, port, allowed=allowed_networks(), setting=SETTING)


class PinnedTransport(core_outbound.PinnedTransport):
    """The core pinned transport with OCPI's allowed networks (plain http allowed: OCPI peers
    choose their scheme, and the token travels either way)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allowed=allowed_networks, setting=SETTING, **kwargs)
