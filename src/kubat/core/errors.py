"""The one error tree every service raises; each API renders it with one handler.

    KubatError                  400  a request Kubat refuses, with a reason a person understands
    ├── InvalidInput            400  a value is wrong; `field` names it      (OCPI 2001)
    ├── NotAuthenticated        401  no or unknown credentials
    ├── PermissionDenied        403  authenticated, but not allowed to do this
    ├── NotFound                404  the object does not exist or is not visible (OCPI 2003)
    └── Conflict                409  the request clashes with the current state

Bugs are not KubatErrors: they stay 500s so that they are seen and fixed.
"""

from __future__ import annotations


class KubatError(Exception):
    http_status = 400
    code = "refused"
    ocpi_status = 2000

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str]:
        body = {"code": self.code, "detail": self.message}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(KubatError):
    code = "invalid"
    ocpi_status = 2001


class NotAuthenticated(KubatError):
    http_status = 401
    code = "not_authenticated"


class PermissionDenied(KubatError):
    http_status = 403
    code = "forbidden"


class NotFound(KubatError):
    http_status = 404
    code = "not_found"
    ocpi_status = 2003


class Conflict(KubatError):
    http_status = 409
    code = "conflict"
