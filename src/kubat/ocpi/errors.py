"""OCPI-specific refusals; each carries its HTTP status and OCPI status code (spec 5.2-5.4).

KubatError (core.errors)
├── OutOfOrder          409  2000  last_updated older than what Kubat holds
├── MethodNotAllowed    405  2000  e.g. POST credentials when already registered
└── PeerUnreachable     200  3001  Kubat could not use the peer's API during registration
"""

from __future__ import annotations

from kubat.core.errors import Conflict, KubatError


class OutOfOrder(Conflict):
    code = "out_of_order"
    ocpi_status = 2000


class MethodNotAllowed(KubatError):
    http_status = 405
    code = "method_not_allowed"
    ocpi_status = 2000


class PeerUnreachable(KubatError):
    # OCPI 3xxx are server errors reported inside a 200 envelope (spec 5.3).
    http_status = 200
    code = "peer_unreachable"
    ocpi_status = 3001


class UnsupportedVersion(KubatError):
    http_status = 200
    code = "unsupported_version"
    ocpi_status = 3002
