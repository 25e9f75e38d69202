"""OCPI-specific refusals; each carries its HTTP status and OCPI status code (spec 5.2-5.4).

    KubatError (core.errors)
    ├── Conflict
    │   └── registry.services.OutOfOrder 409  2000  last_updated older than what Kubat holds
    ├── MethodNotAllowed               405  2000  e.g. POST credentials when already registered
    └── PeerUnreachable                200  3001  Kubat could not use the peer's API

core.errors supplies the rest: InvalidInput 400/2001, NotAuthenticated 401, PermissionDenied
403, NotFound 404/2003. transport.endpoint renders them all in the OCPI envelope.
"""

from __future__ import annotations

from kubat.core.errors import KubatError


class MethodNotAllowed(KubatError):
    http_status = 405
    code = "method_not_allowed"
    ocpi_status = 2000


class PeerUnreachable(KubatError):
    # OCPI 3xxx are server errors reported inside a 200 envelope (spec 5.3).
    http_status = 200
    code = "peer_unreachable"
    ocpi_status = 3001
