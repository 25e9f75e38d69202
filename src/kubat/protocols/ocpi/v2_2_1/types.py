"""OCPI 2.2.1 basic types (spec chapter 16): CiString, string(n), DateTime, URL, DisplayText."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints


def _utc(value: datetime) -> datetime:
    """OCPI: timestamps are UTC; one without a zone designator is UTC too."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


DateTime = Annotated[datetime, AfterValidator(_utc)]
URL = Annotated[str, StringConstraints(max_length=255, pattern=r"^https?://\S+$")]

# CiString(n): printable ASCII, compared case-insensitively (16.2). Kubat stores them as sent
# and matches them case-insensitively; party keys are upper-cased on the way in.
Ci2 = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")]
Ci3 = Annotated[str, StringConstraints(min_length=3, max_length=3, pattern=r"^[A-Za-z0-9]{3}$")]
Ci36 = Annotated[str, StringConstraints(min_length=1, max_length=36, pattern=r"^[\x20-\x7e]*$")]
Ci48 = Annotated[str, StringConstraints(max_length=48, pattern=r"^[\x20-\x7e]*$")]


def format_datetime(value: datetime) -> str:
    """RFC 3339 in UTC with a Z; milliseconds only when there are any.

    OCPI's DateTime is string(25) (16.4): at most three fractional digits, so microseconds
    are cut (not rounded, so a timestamp never moves past the moment it stands for).
    """
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if millis := value.microsecond // 1000:
        text += f".{millis:03d}".rstrip("0")
    return text + "Z"


class OcpiObject(BaseModel):
    """Strict in what it accepts: an unknown field is an error naming that field."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class DisplayText(OcpiObject):
    language: Annotated[str, StringConstraints(min_length=2, max_length=2)]
    text: Annotated[str, StringConstraints(max_length=512)]
