"""OCPI-specific refusals; each carries its HTTP status and OCPI status code (spec 5.2-5.4).

    KubatError (core.errors)
    ├── MalformedBody                  400  2001  the body is not JSON (the transport layer)
    ├── Conflict
    │   └── registry.services.OutOfOrder 409  2000  last_updated older than what Kubat holds
    ├── MethodNotAllowed               405  2000  e.g. POST credentials when already registered
    └── PeerUnreachable                200  3001  Kubat could not use the peer's API

core.errors supplies the rest: InvalidInput 400/2001, NotAuthenticated 401, PermissionDenied
403, NotFound 404/2003. transport.endpoint renders them all in the OCPI envelope.

The HTTP statuses above are what the error means on its own. On /ocpi a request whose body
is JSON and whose URL names an endpoint has reached the OCPI layer, and the spec (status
codes chapter) forbids an HTTP error for it: transport.endpoint answers InvalidInput and
Conflict there with HTTP 200 and the OCPI status code (2001, 2000). Only MalformedBody keeps
its 400.
"""

from __future__ import annotations

from kubat.core.errors import InvalidInput, KubatError


class MalformedBody(InvalidInput):
    """The body is not JSON: the transport layer's 400 (spec: "MUST return 400")."""

    code = "malformed_body"


class MethodNotAllowed(KubatError):
    http_status = 405
    code = "method_not_allowed"
    ocpi_status = 2000


class PeerUnreachable(KubatError):
    # OCPI 3xxx are server errors reported inside a 200 envelope (spec 5.3).
    http_status = 200
    code = "peer_unreachable"
    ocpi_status = 3001
