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

Constraints that hold for every JSON body are declared here too: core.jsonguard refuses a number
beyond ±(2^53 - 1) anywhere in a body (400), so every number in a request body's schema gets that
range unless it has a narrower one; no text in a path, query or JSON body holds a NUL (core.
middleware answers 400 to one); and the registry's physical bounds (registry.bounds) on the OCPI
components a location is written with.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ninja import NinjaAPI
from ninja.errors import ValidationError, ValidationErrorContext

from kubat.core import validation
from kubat.core.jsonguard import MAX_SAFE_INTEGER
from kubat.registry import bounds

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


# Keywords whose values are data, not schemas: the walk below does not enter them.
_DATA_KEYWORDS = {"$ref", "enum", "const", "default", "examples", "example", "required"}
_SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions"}
NO_NUL = "^[^\\x00]*$"


def _nodes(node: Any, components: dict[str, Any], seen: set[str]) -> Iterator[dict[str, Any]]:
    """Every schema object under `node`, following each component $ref once."""
    if isinstance(node, list):
        for item in node:
            yield from _nodes(item, components, seen)
        return
    if not isinstance(node, dict):
        return
    yield node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[-1]
        if name not in seen and name in components:
            seen.add(name)
            yield from _nodes(components[name], components, seen)
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):  # name → schema, any name
            yield from _nodes(list(value.values()), components, seen)
        elif key not in _DATA_KEYWORDS:
            yield from _nodes(value, components, seen)


def _kinds(node: dict[str, Any]) -> set[str]:
    kind = node.get("type")
    if isinstance(kind, str):
        return {kind}
    return {k for k in kind if isinstance(k, str)} if isinstance(kind, list) else set()


def _request_schemas(schema: dict[str, Any], *, bodies: set[str], parameters: bool) -> list[Any]:
    """The schemas of request bodies of the `bodies` media types, and of parameters."""
    found: list[Any] = []
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            found += [content[t].get("schema") for t in bodies if t in content]
            if parameters:
                found += [p.get("schema") for p in operation.get("parameters", [])]
    return found


def declare_json_number_range(schema: dict[str, Any]) -> dict[str, Any]:
    """Every number in a JSON request body within ±(2^53 - 1), as core.jsonguard enforces."""
    components = schema.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    for root in _request_schemas(schema, bodies={"application/json"}, parameters=False):
        for node in _nodes(root, components, seen):
            if _kinds(node) & {"integer", "number"}:
                low, high = node.get("minimum"), node.get("maximum")
                node["minimum"] = -MAX_SAFE_INTEGER if low is None else max(low, -MAX_SAFE_INTEGER)
                node["maximum"] = MAX_SAFE_INTEGER if high is None else min(high, MAX_SAFE_INTEGER)
    return schema


def declare_no_nul(schema: dict[str, Any]) -> dict[str, Any]:
    """No text in a path, query or JSON body holds a NUL: core.middleware.RefuseNulMiddleware
    answers 400 to one (PostgreSQL can neither store nor compare it). Multipart fields are not
    guarded there (their forms are), so their schemas are left as they are."""
    components = schema.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    for root in _request_schemas(schema, bodies={"application/json"}, parameters=True):
        for node in _nodes(root, components, seen):
            if "string" not in _kinds(node) or "enum" in node or "const" in node:
                continue
            if "pattern" not in node:
                node["pattern"] = NO_NUL
            elif node["pattern"] != NO_NUL:
                all_of = node.setdefault("allOf", [])
                if {"pattern": NO_NUL} not in all_of:
                    all_of.append({"pattern": NO_NUL})
    return schema


def declare_component_constraints(
    schema: dict[str, Any], constraints: dict[str, dict[str, dict[str, int]]]
) -> dict[str, Any]:
    """Add `constraints` ({component: {property: keywords}}) to the components' properties; on
    an optional property (anyOf with null) the keywords go to its non-null branch."""
    components = schema.get("components", {}).get("schemas", {})
    for component, properties in constraints.items():
        found = components.get(component, {}).get("properties", {})
        for name, keywords in properties.items():
            prop = found.get(name)
            if prop is None:
                continue
            branches = [b for b in prop.get("anyOf", [prop]) if b.get("type") != "null"]
            for branch in branches:
                branch.update(keywords)
    return schema


def declare_multipart_fields(schema: dict[str, Any]) -> dict[str, Any]:
    """What a multipart part can be: a file part has at least one byte (Django's parser drops
    an empty one, and the operation then answers 422 "field required"), and a text part is
    never null (there is no null in a form: an optional field is left out, and "null" or "None"
    would be read as text)."""
    for root in _request_schemas(schema, bodies={"multipart/form-data"}, parameters=False):
        properties = (root or {}).get("properties", {})
        for name, prop in list(properties.items()):
            if prop.get("format") == "binary":
                prop.setdefault("minLength", 1)
            branches = prop.get("anyOf")
            if isinstance(branches, list) and {"type": "null"} in branches:
                kept = [b for b in branches if b != {"type": "null"}]
                rest = {k: v for k, v in prop.items() if k != "anyOf"}
                properties[name] = (
                    {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}
                )
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
        declare_component_constraints(schema, bounds.JSON_SCHEMA)
        declare_json_number_range(schema)
        declare_no_nul(schema)
        declare_multipart_fields(schema)
        return schema
