"""The /api/v1 OpenAPI document, with every error response an operation can give declared.

Routers declare their success bodies (and some errors); the error answers that come from the
edges rather than from the handler are the same everywhere, so they are added here, once:

    400  a value is wrong (KubatError, `field` names it)     every operation
    401  no valid token or session (WWW-Authenticate)        operations with auth
    403  authenticated, not allowed                          operations with auth
    404  no such object                                      every operation
    409  clashes with the current state                      writes
    413  body over KUBAT_MAX_BODY_BYTES (core.jsonguard)     writes
    422  payload or parameter shape (django-ninja)           every operation
    429  anonymous reads over KUBAT_PUBLIC_RATE_LIMIT        reads

An operation that declares a status itself keeps its own schema.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.errors import ValidationError, ValidationErrorContext

from kubat.core import validation

ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "field": {"type": ["string", "null"]},
    },
    "required": ["code", "detail"],
}
VALIDATION = {
    "type": "object",
    "properties": {"detail": {"type": "array", "items": {"type": "object"}}},
    "required": ["detail"],
}
DESCRIPTIONS = {
    "400": "A value is wrong; `field` names it",
    "401": "No valid token or session",
    "403": "Not allowed for this account",
    "404": "No such object",
    "409": "Clashes with the current state",
    "413": "Body too large",
    "422": "Payload or parameter shape",
    "429": "Too many anonymous requests; see Retry-After",
}
WRITES = {"post", "put", "patch", "delete"}


def _response(status: str) -> dict[str, Any]:
    ref = "ValidationError" if status == "422" else "Error"
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }
    if status == "429":
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    if status == "401":
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return response


def declare_errors(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR)
    components.setdefault("ValidationError", VALIDATION)
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = ["400", "404", "422"]
            if operation.get("security"):
                statuses += ["401", "403"]
            statuses += ["409", "413"] if method in WRITES else ["429"]
            responses = operation["responses"]
            for status in statuses:
                responses.setdefault(status, _response(status))
    return schema


class KubatAPI(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        """Ninja's 422, its messages in the reader's language (core.validation)."""
        error = super().validation_error_from_error_contexts(error_contexts)
        return ValidationError(validation.translated(list(error.errors)))

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        declare_errors(schema)
        return schema
