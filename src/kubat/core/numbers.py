"""Numbers in a JSON body read as JSON Schema reads them.

JSON Schema counts 2024.0 as an integer and neither true nor "2024" as a number; pydantic's lax
mode takes true and "2024" for 1 and 2024, its strict mode refuses 2024.0. An API whose schema
promises what it accepts (schemathesis checks both ways) needs the schema's reading: `WholeNumber`.
"""

from __future__ import annotations

from typing import Annotated

from django.utils.translation import gettext
from pydantic import BeforeValidator


def whole(value: object) -> object:
    """A JSON number that is whole, as an int (2024.0 -> 2024); ValueError for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(gettext("a whole number"))
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(gettext("a whole number"))
        return int(value)
    return value


# Bounds of an optional one go before the validator, inside the Annotated, or pydantic writes
# them into the schema as unknown keywords: Annotated[int, Field(ge=1), BeforeValidator(whole)].
WholeNumber = Annotated[int, BeforeValidator(whole)]
