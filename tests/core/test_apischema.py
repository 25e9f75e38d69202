"""The patterns /api/v1's document gives a parameter accept exactly what its parser accepts.

Schemathesis holds Kubat to both halves: a value the pattern admits must not get a 400, and one
it refuses must not get a 200. Each property below compares the two on generated text, seeded.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubat.core import apischema, geo
from kubat.core.countries import to_alpha2
from kubat.core.errors import InvalidInput

seeded = settings(max_examples=300, derandomize=True, deadline=None)


def _accepts(parse: object, text: str) -> bool:
    try:
        parse(text)  # type: ignore[operator]
    except InvalidInput:
        return False
    return True


def _matches(annotated: object, text: str) -> bool:
    [schema] = [m for m in annotated.__metadata__ if hasattr(m, "json_schema")]  # type: ignore[attr-defined]
    return re.fullmatch(schema.json_schema["pattern"], text) is not None


codes = st.sampled_from(apischema.COUNTRY_CODES)
spaces = st.text(alphabet=" \t\u00a0\u3000", max_size=2)
near_codes = st.builds(
    lambda pre, code, post, flip: pre + (code.lower() if flip else code) + post,
    spaces,
    codes,
    spaces,
    st.booleans(),
)


@seeded
@given(st.one_of(near_codes, st.text(max_size=5)))
def test_the_country_pattern_accepts_exactly_what_to_alpha2_accepts(text: str) -> None:
    to_alpha2.cache_clear()
    assert _matches(apischema.Country, text) == _accepts(to_alpha2, text)


degrees = st.one_of(
    st.floats(min_value=-200, max_value=200, allow_nan=False).map(lambda v: f"{v:.5f}"),
    st.integers(min_value=-200, max_value=200).map(str),
    st.sampled_from(
        ["90.0", "-90.000", "180.0", "90.1", "180.01", "0090", "-0", "1e1", "+5", " 5"]
    ),
)


@seeded
@given(degrees, degrees)
def test_the_near_pattern_accepts_exactly_what_parse_lat_lon_accepts(lat: str, lon: str) -> None:
    text = f"{lat},{lon}"
    accepted = _accepts(lambda t: geo.parse_lat_lon(t, field="near"), text)
    assert _matches(apischema.LatLonOrBlank, text) == accepted


@seeded
@given(degrees, degrees, degrees, degrees)
def test_the_bbox_pattern_is_what_parse_bbox_reads_before_ordering(
    a: str, b: str, c: str, d: str
) -> None:
    """The box pattern is each value's form and range; min ≤ max is the parser's own rule."""
    low_lon, high_lon = sorted([a, c], key=lambda v: float(v))
    low_lat, high_lat = sorted([b, d], key=lambda v: float(v))
    text = f"{low_lon},{low_lat},{high_lon},{high_lat}"
    assert _matches(apischema.BBoxOrBlank, text) == _accepts(geo.parse_bbox, text)


@pytest.mark.parametrize("text", ["4.2e1,74.6", "+42.8,74.6", " 42.8,74.6", "42_8,74.6", "42.,74"])
def test_a_coordinate_is_a_plain_decimal(text: str) -> None:
    """float() reads all of these; the document's pattern does not, so neither does Kubat."""
    with pytest.raises(InvalidInput) as refused:
        geo.parse_lat_lon(text, field="near")
    assert refused.value.field == "near"
