"""The quarterly report and the investor's view as CSV and PDF (reportlab, as permits/pdf.py:
pure Python, no system libraries). A quarterly report is generated once by `kubat strategy
report` and kept as generated; the investor's view is rendered on each request."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from kubat.core.errors import InvalidInput
from kubat.strategy import selectors
from kubat.strategy.models import QuarterlyReport

TARGET_COLUMNS = (
    "kind",
    "country",
    "region",
    "indicator",
    "year",
    "target",
    "baseline",
    "live",
    "progress_pct",
    "status",
    "legal_act",
)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        # A leading =, +, - or @ makes a spreadsheet run the cell as a formula: quote it.
        writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    return out.getvalue()


def quarter_end(quarter: str) -> dt.date:
    """The last day of a quarter written 2026Q4; InvalidInput naming `quarter` otherwise."""
    match = re.fullmatch(r"(20\d\d)Q([1-4])", quarter.strip().upper())
    if not match:
        raise InvalidInput(gettext("quarter: like 2026Q4"), field="quarter")
    year, q = int(match[1]), int(match[2])
    return dt.date(year, 12, 31) if q == 4 else dt.date(year, 3 * q + 1, 1) - dt.timedelta(days=1)


def report_rows(*, on: dt.date) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for r in selectors.target_rows(on=on):
        t = r["target"]
        rows.append(
            [
                "target",
                t.country_code,
                t.region,
                t.indicator,
                t.year,
                t.value,
                t.baseline,
                r["live"],
                None if r["progress"] is None else round(100 * r["progress"], 1),
                r["status"],
                t.legal_act,
            ]
        )
    for r in selectors.action_rows(on=on):
        a = r["action"]
        rows.append(
            [
                "action",
                a.country_code,
                "",
                a.title,
                a.due_on.isoformat(),
                a.owner.name,
                "",
                a.status,
                "",
                "overdue" if r["overdue"] else "",
                a.evidence,
            ]
        )
    return rows


def pdf_table(
    title: str, subtitle: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> bytes:
    """A landscape A4 table, new pages as needed; cells cut to fit their column."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=landscape(A4), pageCompression=0)
    canvas.setTitle(title)
    canvas.setAuthor("Kubat strategy desk")
    width, height = landscape(A4)
    column = (width - 30 * mm) / max(1, len(header))
    chars = max(4, int(column / (1.6 * mm)))

    def start_page() -> float:
        canvas.setFont("Helvetica-Bold", 14)
        canvas.drawString(15 * mm, height - 15 * mm, title)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(15 * mm, height - 21 * mm, subtitle)
        y = height - 30 * mm
        canvas.setFont("Helvetica-Bold", 7)
        for i, name in enumerate(header):
            canvas.drawString(15 * mm + i * column, y, str(name)[:chars])
        canvas.setFont("Helvetica", 7)
        return y - 5 * mm

    y = start_page()
    for row in rows:
        if y < 15 * mm:
            canvas.showPage()
            y = start_page()
        for i, value in enumerate(row):
            text = "" if value is None else str(value)
            canvas.drawString(15 * mm + i * column, y, text[:chars])
        y -= 4.5 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def generate_quarterly(*, quarter: str, now: dt.datetime | None = None) -> QuarterlyReport:
    """Generate and keep the report of `quarter`: every target's status and every action as
    they stand at the quarter's end (or today, if earlier), CSV and PDF together."""
    end = quarter_end(quarter)
    at = now or timezone.now()
    on = min(end, at.date())
    rows = report_rows(on=on)
    subtitle = f"Quarter {quarter.upper()}, as of {on:%Y-%m-%d}; generated {at:%Y-%m-%d %H:%M} UTC"
    return QuarterlyReport.objects.create(
        quarter=quarter.upper(),
        generated_at=at,
        csv=csv_text(TARGET_COLUMNS, rows),
        pdf=pdf_table("E-mobility strategy: quarterly report", subtitle, TARGET_COLUMNS, rows),
    )


def investor_rows(view: dict[str, Any]) -> list[list[Any]]:
    return [[row[c] for c in selectors.INVESTOR_COLUMNS] for row in view["rows"]]
