"""ISO 3166-1 country codes: alpha-2 ↔ alpha-3, via pycountry's maintained tables."""

from __future__ import annotations

from functools import lru_cache

import pycountry
from django.utils.translation import gettext

from kubat.core.errors import InvalidInput


@lru_cache(maxsize=512)
def to_alpha2(code: str, *, field: str = "country") -> str:
    """Alpha-2 for an alpha-2 or alpha-3 code, any case; InvalidInput naming `field` if unknown."""
    text = code.strip().upper()
    record = None
    if len(text) == 2:
        record = pycountry.countries.get(alpha_2=text)
    elif len(text) == 3:
        record = pycountry.countries.get(alpha_3=text)
    if record is None:
        raise InvalidInput(
            gettext("%(code)r is not an ISO 3166-1 alpha-2 or alpha-3 code") % {"code": code},
            field=field,
        )
    return str(record.alpha_2)


@lru_cache(maxsize=512)
def to_alpha3(code: str, *, field: str = "country") -> str:
    record = pycountry.countries.get(alpha_2=to_alpha2(code, field=field))
    assert record is not None  # to_alpha2 found it
    return str(record.alpha_3)
