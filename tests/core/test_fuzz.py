"""Seeded fuzzing of the parsers that take outside input: each either parses or refuses with a
KubatError naming the field, never anything else (which would be a 500).

Bounded in `make test` (FUZZ_EXAMPLES, default 150 per parser, derandomized so every run tries
the same inputs); `make fuzz` runs many more.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubat.core import csvsafe, geo, jsonguard
from kubat.core.errors import KubatError
from kubat.ocpi.transport import token_candidates
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.registry import bounds, selectors
from kubat.registry.exchange import CSV_COLUMNS
from kubat.registry.imports import import_locations

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
fuzz = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)
# Location-shaped objects: the right keys with any values, so validation goes deep.
connector = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(
        ("id", "standard", "format", "power_type", "max_voltage", "max_amperage"), json_values
    ),
)
evse = st.fixed_dictionaries(
    {}, optional={"uid": json_values, "status": json_values, "connectors": st.lists(connector)}
)
location = st.fixed_dictionaries(
    {},
    optional={
        "country_code": st.sampled_from(["KG", "KZ", "", "K"]) | st.text(max_size=3),
        "party_id": st.text(max_size=4),
        "id": st.text(max_size=10),
        "coordinates": st.dictionaries(st.sampled_from(["latitude", "longitude"]), json_values),
        "evses": st.lists(evse, max_size=3),
        "last_updated": st.text(max_size=25),
    },
)


def accepted_or_named(parse: Callable[..., Any], *args: Any, **kwargs: Any) -> str | None:
    """ "ok" when `parse` accepts, the field a KubatError names when it refuses; any other
    exception propagates and fails the test."""
    try:
        parse(*args, **kwargs)
    except KubatError as exc:
        return exc.field
    return "ok"


@fuzz
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_json_bodies_parse_or_are_refused_naming_the_field(data: bytes) -> None:
    assert accepted_or_named(jsonguard.loads, data)


@fuzz
@given(json_values)
def test_parsed_json_passes_or_is_refused_naming_the_field(value: Any) -> None:
    assert accepted_or_named(jsonguard.check, value)


@fuzz
@given(st.text(max_size=120))
def test_authorization_headers_never_break_the_token_parser(header: str) -> None:
    assert all(isinstance(t, str) for t in token_candidates(header))


@fuzz
@given(st.text(max_size=80) | json_values.map(lambda v: json.dumps(v)))
def test_cursors_decode_or_are_refused_naming_cursor(text: str) -> None:
    for kind in ("i", "d"):
        assert accepted_or_named(selectors._decode_cursor, text, kind) in {"ok", "cursor"}


@fuzz
@given(st.text(max_size=60))
def test_query_boxes_and_points_parse_or_are_refused(text: str) -> None:
    assert accepted_or_named(geo.parse_bbox, text) in {"ok", "bbox"}
    assert accepted_or_named(geo.parse_lat_lon, text, field="near") in {"ok", "near"}


@fuzz
@given(location)
def test_ocpi_locations_validate_and_bound_or_are_refused(body: dict[str, Any]) -> None:
    from pydantic import ValidationError

    assert accepted_or_named(bounds.check_location, body)
    with contextlib.suppress(ValidationError):
        ocpi.Location.model_validate(body)


@fuzz
@given(st.text(max_size=40))
def test_csv_neutralisation_round_trips(text: str) -> None:
    assert csvsafe.restore_cell(str(csvsafe.neutralise_cell(text))) == text


def _csv(rows: list[list[str]]) -> str:
    return "\n".join([",".join(CSV_COLUMNS), *(",".join(r) for r in rows)])


@pytest.mark.django_db
@fuzz
@given(
    st.one_of(
        st.text(max_size=300),
        st.lists(
            st.lists(st.text(max_size=6), min_size=len(CSV_COLUMNS), max_size=len(CSV_COLUMNS)),
            max_size=3,
        ).map(_csv),
    ),
    st.sampled_from(["csv", "json"]),
)
def test_import_files_land_or_are_refused_whole(text: str, fmt: str) -> None:
    with transaction.atomic():
        assert accepted_or_named(import_locations, text=text, fmt=fmt, source="import")
        transaction.set_rollback(True)
