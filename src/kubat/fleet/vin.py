"""Vehicle identification numbers (ISO 3779).

A VIN is 17 characters from the digits and the capital letters except I, O and Q; the last
four characters are digits (the serial number of a manufacturer building 500 or more vehicles a
year, which every make the quota sees is). Position 9 is a check digit only in North America
(WMI starting 1-5): we verify it there and never reject a Chinese or European VIN for it,
because their makers are free to put any character in position 9.
"""

from __future__ import annotations

import re

_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{13}[0-9]{4}$")
_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalise_vin(raw: str) -> str:
    """Upper case without surrounding or inner spaces, as VINs are compared."""
    return "".join(raw.split()).upper()


def north_american_check_digit(vin: str) -> str:
    total = sum(_TRANSLITERATION[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_problem(vin: str) -> str | None:
    """Why `vin` (already normalised) is not a valid ISO 3779 VIN, or None when it is."""
    if len(vin) != 17:
        return f"a VIN has 17 characters, this one has {len(vin)}"
    if any(c in "IOQ" for c in vin):
        return "a VIN never contains the letters I, O or Q"
    if not _VIN.match(vin):
        return "a VIN has only digits and capital letters, and its last four are digits"
    if vin[0] in "12345" and vin[8] != north_american_check_digit(vin):
        return "North-American VIN with a wrong check digit (position 9)"
    return None
