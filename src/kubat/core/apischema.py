"""Schemas for API parameters that Kubat parses itself, so the OpenAPI document says what it takes.

A country code (core.countries) or a point (core.geo) reaches a handler as a plain `str`, and
django-ninja would publish it as "any string": a client, or schemathesis, could not tell a value
Kubat accepts from one it refuses. These annotations give such a parameter the JSON Schema of
exactly what its parser accepts (no more, or the document would call a refused value valid; no
less, or it would call an accepted one invalid), and change nothing else: the parser still checks
and still refuses with a 400 naming the field, in its own words. Use them as the parameter's type:

    country: apischema.Country                     # ISO 3166-1 alpha-2 or alpha-3, any case
    near: apischema.Blank[apischema.LatLon] | None  # "" is "not given", as the handler reads it

A rule between two values (a box's minimum below its maximum, radius_km only with near) cannot
be a JSON Schema of one parameter; the parameter's description says it, the handler checks it.
`Body` is the base of JSON request bodies: a field it does not declare is refused, so its schema
says `additionalProperties: false` truthfully.
"""

from __future__ import annotations

from typing import Annotated, Any

import pycountry
from ninja import Schema
from pydantic import BaseModel, ConfigDict, WithJsonSchema

# What str.strip() removes (str.isspace), as a regular-expression class: the parsers strip.
SPACE = (
    "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000]*"
)


def _any_case(code: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" for c in code)


COUNTRY_CODES = sorted(
    {str(c.alpha_2) for c in pycountry.countries} | {str(c.alpha_3) for c in pycountry.countries}
)
# core.countries.to_alpha2: a known alpha-2 or alpha-3 code, any case, surrounding space stripped.
COUNTRY_PATTERN = f"^{SPACE}({'|'.join(_any_case(c) for c in COUNTRY_CODES)}){SPACE}$"

# core.geo.parse_coordinate: a plain decimal (leading zeros allowed) within its range.
LATITUDE = r"-?0*(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?)"
LONGITUDE = r"-?0*(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?)"


def pattern(regex: str, description: str, *, blank: bool = False) -> WithJsonSchema:
    """A string matching `regex` (anchored here); with `blank`, also "" (read as not given)."""
    body = f"({regex})?" if blank else f"({regex})"
    return WithJsonSchema({"type": "string", "pattern": f"^{body}$", "description": description})


def _country(*, blank: bool) -> WithJsonSchema:
    inner = COUNTRY_PATTERN[1:-1]
    return pattern(inner, "ISO 3166-1 alpha-2 or alpha-3 code, any case (KG, KGZ, kz)", blank=blank)


Country = Annotated[str, _country(blank=False)]
# A query parameter the handler reads as absent when it is empty (`?country=`).
CountryOrBlank = Annotated[str, _country(blank=True)]
LatLonOrBlank = Annotated[
    str,
    pattern(f"{LATITUDE},{LONGITUDE}", "lat,lon in decimal degrees (WGS84)", blank=True),
]
BBoxOrBlank = Annotated[
    str,
    pattern(
        f"{LONGITUDE},{LATITUDE},{LONGITUDE},{LATITUDE}",
        "minlon,minlat,maxlon,maxlat in decimal degrees (WGS84), each minimum at most its maximum",
        blank=True,
    ),
]
# insights.services._SLUG after strip() and lower().
Slug = Annotated[
    str,
    pattern(
        f"{SPACE}[A-Za-z0-9][A-Za-z0-9-]{{0,59}}{SPACE}",
        "a-z, 0-9 and '-', up to 60 characters (read in lower case)",
    ),
]


def integer(low: int, high: int) -> WithJsonSchema:
    """An integer parameter whose range the handler (not django-ninja) checks, as it must say
    the range in its own error (a 400 naming the field rather than a 422)."""
    return WithJsonSchema({"type": "integer", "minimum": low, "maximum": high})


def number(
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: float | None = None,
) -> WithJsonSchema:
    """A number parameter whose range the handler checks (see `integer`)."""
    schema: dict[str, Any] = {"type": "number"}
    if minimum is not None:
        schema["minimum"] = minimum
    if exclusive_minimum is not None:
        schema["exclusiveMinimum"] = exclusive_minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return WithJsonSchema(schema)


class Body(Schema):
    """A JSON request body. A field it does not declare is refused (422 naming it) rather than
    dropped: a misspelt optional field would otherwise be lost without a word."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    """A refusal: what the error handler of /api/v1 answers (core.errors.KubatError.as_dict)."""

    code: str
    detail: str
    field: str | None = None


class PlainBody(BaseModel):
    """A Body for a hot path: the same rule, validated as a plain pydantic model, without the
    attribute getter ninja's Schema wraps around each object for Django models (a tenth of a
    customs declaration's CPU in the quota rush). The OpenAPI document is the same."""

    model_config = ConfigDict(extra="forbid")
