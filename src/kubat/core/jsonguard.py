"""JSON from outside, parsed within bounds: depth, number range, and the size of the body.

Python's json module recurses once per nesting level, so `[` × 50,000 ends in a RecursionError
(a 500) and any depth below that costs every later walk over the value. Numbers are exact in
Python and unbounded, so `2^70` reaches a database column that overflows (another 500). Kubat's
inputs are shallow and their numbers small, so both get a 400 naming the field:

- nesting deeper than MAX_DEPTH (32: an OCPI Location is about 6 levels deep);
- a number beyond ±(2^53 - 1), the range every JSON implementation reads exactly (I-JSON,
  RFC 7493 §2.2), and NaN or ±Infinity, which are not JSON at all.

Physical bounds (what a connector can carry) are the domain's (kubat.registry.bounds); these are
only the bounds no valid input can pass.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja.parser import Parser

from kubat.core.errors import InvalidInput, KubatError

MAX_DEPTH = 32
MAX_SAFE_INTEGER = 2**53 - 1


class TooLarge(KubatError):
    http_status = 413
    code = "too_large"


def reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(data: bytes | str, *, field: str = "body") -> Any:
    """Parse `data`, raising InvalidInput (field named) for bad JSON, depth or numbers.

    Numbers are checked as the parser meets them and the depth by a walk over containers
    only; `check` (which builds every value's path) runs only when one of them finds an
    offence, to name it. A body within bounds is thus never walked value by value: for a
    declaration of 50 vehicles that walk cost more than the parse (bench/quota_profile.py)."""
    offended: list[bool] = []

    def number(parse: Any) -> Any:
        def checked(text: str) -> Any:
            value = parse(text)
            if (isinstance(value, float) and not math.isfinite(value)) or abs(
                value
            ) > MAX_SAFE_INTEGER:
                offended.append(True)
            return value

        return checked

    try:
        value = json.loads(
            data or b"null",
            parse_constant=reject_constant,
            parse_int=number(int),
            parse_float=number(float),
        )
    except RecursionError:
        raise InvalidInput(
            gettext("JSON nested deeper than %(max_depth)s levels") % {"max_depth": MAX_DEPTH},
            field=field,
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(
            gettext("body is not JSON: %(error)s") % {"error": exc}, field=field
        ) from None
    if offended or _deeper_than(value, MAX_DEPTH):
        check(value, field=field)
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether any value sits more than `limit` levels deep (what `check` refuses)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if item and depth + 1 > limit:
            return True
        stack.extend((v, depth + 1) for v in children if isinstance(v, dict | list))
    return False


def check(value: Any, *, field: str = "body") -> None:
    """Walk a parsed value without recursion; the first offence names its dotted path."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        where = ".".join(path) or field
        if len(path) > MAX_DEPTH:
            raise InvalidInput(
                gettext("JSON nested deeper than %(max_depth)s levels") % {"max_depth": MAX_DEPTH},
                field=where,
            )
        if isinstance(item, dict):
            stack.extend((v, (*path, str(k))) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, (*path, str(i))) for i, v in enumerate(item))
        elif isinstance(item, bool) or item is None or isinstance(item, str):
            continue
        elif isinstance(item, int | float) and (
            (isinstance(item, float) and not math.isfinite(item)) or abs(item) > MAX_SAFE_INTEGER
        ):
            raise InvalidInput(
                gettext("%(where)s: number out of range (at most ±%(max_safe_integer)s)")
                % {"where": where, "max_safe_integer": MAX_SAFE_INTEGER},
                field=where,
            )


def max_body_bytes(path: str) -> int | None:
    """The largest body accepted on `path`: imports have their own limit; /api/v1 and /ocpi
    KUBAT_MAX_BODY_BYTES; pages none here (their forms and uploads have their own)."""
    if path.startswith("/api/v1/imports"):
        # The multipart envelope around the file is a few hundred bytes.
        return int(settings.KUBAT_IMPORT_MAX_BYTES) + 64 * 1024
    if path.startswith(("/api/v1/", "/ocpi/")):
        return int(settings.KUBAT_MAX_BODY_BYTES)
    return None


def body_problem(request: HttpRequest) -> KubatError | None:
    """Why the request's body is refused before any view reads it, or None.

    The size is judged from Content-Length, so an over-size body is never read; a JSON body is
    then parsed within bounds (and the result kept on the request for the view).
    """
    limit = max_body_bytes(request.path)
    if limit is None or request.method not in {"POST", "PUT", "PATCH", "DELETE"}:
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return InvalidInput(gettext("Content-Length is not a number"), field="Content-Length")
    if length > limit:
        return TooLarge(
            gettext("the body is %(length)s bytes, more than %(limit)s accepted")
            % {"length": length, "limit": limit},
            field="body",
        )
    if (request.content_type or "") == "application/json":
        try:
            request._kubat_json = loads(request.body)  # type: ignore[attr-defined]
        except InvalidInput as exc:
            return exc
    return None


_UNPARSED = object()


class GuardedParser(Parser):
    """django-ninja's body parser, reusing the body `body_problem` parsed within bounds.

    BoundedBodyMiddleware parses every JSON body on /api/v1 before the view; ninja's own
    parser would then decode the same bytes a second time (for a declaration of 50 vehicles
    about a tenth of its request path, bench/quota_profile.py). A body the guard did not parse
    (another content type) is parsed as ninja parses it.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        parsed = getattr(request, "_kubat_json", _UNPARSED)
        if parsed is not _UNPARSED:
            return parsed
        return super().parse_body(request)
