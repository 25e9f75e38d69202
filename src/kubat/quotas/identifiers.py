"""Declarant numbers: Kyrgyz PIN/INN and Kazakh IIN/BIN.

- Kyrgyzstan: a person's PIN (also their INN) has 14 digits: the sex (1 female, 2 male), the
  birth date as DDMMYYYY, then 5 digits; a company's INN has 14 digits (no public check digit).
- Kazakhstan: IIN (persons) and BIN (companies) have 12 digits ending in a check digit:
  weights 1..11 modulo 11, and when that gives 10, weights 3..11,1,2; a second 10 means the
  number is never issued. An IIN starts with the birth date YYMMDD and a century/sex digit 1-6;
  a BIN has the registration year and month, then 4, 5 or 6 (legal entity type) in position 5.
python-stdnum (2.2) has no Kazakh module, so the check is written here, with tests from the
published algorithm.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext

from kubat.core.errors import InvalidInput
from kubat.quotas.enums import DeclarantKind


def kz_check_digit(first11: str) -> int | None:
    """The IIN/BIN check digit for 11 digits, or None when the number cannot exist."""
    digits = [int(c) for c in first11]
    check = sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
    if check == 10:
        weights = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
        check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    return None if check == 10 else check


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def validate_tax_id(*, country_code: str, kind: str, tax_id: str) -> str:
    """The compact number when it is valid for the country and kind; InvalidInput otherwise."""
    number = "".join(tax_id.split()).replace("-", "")
    if not number.isdigit():
        raise InvalidInput(gettext("a declarant number has digits only"), field="declarant.tax_id")
    if country_code == "KG":
        if len(number) != 14:
            raise InvalidInput(
                gettext("a Kyrgyz PIN or INN has 14 digits"), field="declarant.tax_id"
            )
        if kind == DeclarantKind.PERSON and (
            number[0] not in "12"
            or not _is_date(int(number[5:9]), int(number[3:5]), int(number[1:3]))
        ):
            raise InvalidInput(
                gettext("a Kyrgyz PIN starts with 1 or 2 and the birth date DDMMYYYY"),
                field="declarant.tax_id",
            )
        return number
    if country_code == "KZ":
        label = "IIN" if kind == DeclarantKind.PERSON else "BIN"
        if len(number) != 12:
            raise InvalidInput(
                gettext("a Kazakh %(label)s has 12 digits") % {"label": label},
                field="declarant.tax_id",
            )
        if kz_check_digit(number[:11]) != int(number[11]):
            raise InvalidInput(
                gettext("the %(label)s check digit is wrong") % {"label": label},
                field="declarant.tax_id",
            )
        if kind == DeclarantKind.PERSON:
            century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}
            if number[6] not in century or not _is_date(
                century[number[6]] + int(number[0:2]), int(number[2:4]), int(number[4:6])
            ):
                raise InvalidInput(
                    gettext("an IIN starts with the birth date YYMMDD and a digit 1-6"),
                    field="declarant.tax_id",
                )
        elif number[4] not in "456":
            raise InvalidInput(
                gettext("a BIN has 4, 5 or 6 in position 5 (legal entity type)"),
                field="declarant.tax_id",
            )
        return number
    raise InvalidInput(
        gettext("no declarant rules for country %(country_code)s") % {"country_code": country_code},
        field="declarant.country",
    )


def make_kz_number(first11: str) -> str:
    """Append the check digit (for demo data and tests); ValueError if none exists."""
    check = kz_check_digit(first11)
    if check is None:
        raise ValueError(f"{first11} has no valid check digit")
    return first11 + str(check)


# The goods declaration's registration number, per country: EAEU customs write it as
# "<8-digit code of the customs body>/<DDMMYY of registration>/<7-digit serial>" (the EEC's
# instruction on filling in the goods declaration, box A). Both countries use the common form;
# a country with another form gets its own pattern here.
DECLARATION_NUMBER = {
    "KG": re.compile(r"(?P<post>\d{8})/(?P<date>\d{6})/(?P<serial>\d{7})"),
    "KZ": re.compile(r"(?P<post>\d{8})/(?P<date>\d{6})/(?P<serial>\d{7})"),
}


@dataclass(frozen=True, slots=True)
class DeclarationNumber:
    number: str
    post_code: str
    registered_on: dt.date
    serial: str


def parse_declaration_number(*, country_code: str, number: str) -> DeclarationNumber:
    """The parts of a declaration number in the country's format; InvalidInput otherwise."""
    compact = "".join(number.split())
    pattern = DECLARATION_NUMBER.get(country_code)
    if pattern is None:
        raise InvalidInput(
            gettext("no declaration number format for country %(country_code)s")
            % {"country_code": country_code},
            field="number",
        )
    match = pattern.fullmatch(compact)
    if match is None:
        raise InvalidInput(
            gettext(
                "a declaration number reads CCCCCCCC/DDMMYY/NNNNNNN (customs post "
                "code, registration date, serial)"
            ),
            field="number",
        )
    text = match["date"]
    if not _is_date(2000 + int(text[4:6]), int(text[2:4]), int(text[0:2])):
        raise InvalidInput(
            gettext("%(text)s is not a date DDMMYY") % {"text": text}, field="number"
        )
    return DeclarationNumber(
        number=compact,
        post_code=match["post"],
        registered_on=dt.date(2000 + int(text[4:6]), int(text[2:4]), int(text[0:2])),
        serial=match["serial"],
    )
