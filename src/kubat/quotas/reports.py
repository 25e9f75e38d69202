"""Quota reports for the secretariat and customs: what was drawn, the duty forgone, and what
does not reconcile with the vehicle registrations. Each as rows, CSV or PDF.

- Monthly: per month of the draw (UTC), make, model, country of origin and customs post, the
  units drawn (live certificates of declarations: issued or cleared), their customs value and
  the duty forgone = customs value x the period's `duty_rate_pct` (15 % by default, the normal
  duty outside the quota). Values stay in the currency declared: amounts in different
  currencies are never added.
- Reconciliation: cleared certificates whose VIN has no registration in the fleet register, and
  registrations marked as quota imports (from the period's opening to its close plus the
  validity) whose VIN holds no cleared certificate. Either list is work for someone: a car
  released but never registered, or a registration that claims an exemption nobody granted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from kubat.core.pdffonts import pdf_fonts
from kubat.core.phrases import shown
from kubat.fleet import services as fleet_services
from kubat.quotas.enums import LIVE_CERTIFICATE, CertificateStatus, RequestKind
from kubat.quotas.models import Certificate, QuotaPeriod

MONTHLY_COLUMNS = (
    "month",
    "make",
    "model",
    "origin_country",
    "customs_post",
    "units",
    "currency",
    "customs_value",
    "duty_forgone",
)
RECONCILIATION_COLUMNS = ("problem", "vin", "certificate", "declaration", "date", "detail")
# The header a person reads in the CSV and the PDF, in the request's language. In English it is
# the column's key, as the JSON's, so a script reading the English CSV keeps working.
COLUMN_LABELS = {
    "month": pgettext_lazy("quota report column", "month"),
    "make": pgettext_lazy("quota report column", "make"),
    "model": pgettext_lazy("quota report column", "model"),
    "origin_country": pgettext_lazy("quota report column", "origin_country"),
    "customs_post": pgettext_lazy("quota report column", "customs_post"),
    "units": pgettext_lazy("quota report column", "units"),
    "currency": pgettext_lazy("quota report column", "currency"),
    "customs_value": pgettext_lazy("quota report column", "customs_value"),
    "duty_forgone": pgettext_lazy("quota report column", "duty_forgone"),
    "problem": pgettext_lazy("quota report column", "problem"),
    "vin": pgettext_lazy("quota report column", "vin"),
    "certificate": pgettext_lazy("quota report column", "certificate"),
    "declaration": pgettext_lazy("quota report column", "declaration"),
    "date": pgettext_lazy("quota report column", "date"),
    "detail": pgettext_lazy("quota report column", "detail"),
}


def column_label(column: str) -> str:
    """The header of `column` in the active language (the key itself when it has no label)."""
    label = COLUMN_LABELS.get(column)
    return str(label) if label is not None else column


CERTIFICATE_WITHOUT_REGISTRATION = "certificate_without_registration"
REGISTRATION_WITHOUT_CERTIFICATE = "registration_without_certificate"

PROBLEM_LABELS = {
    CERTIFICATE_WITHOUT_REGISTRATION: gettext_lazy("certificates without a registration"),
    REGISTRATION_WITHOUT_CERTIFICATE: gettext_lazy("registrations without a certificate"),
}


def problem_label(problem: str) -> str:
    """What a reconciliation problem code means, in the active language."""
    return str(PROBLEM_LABELS[problem])


def monthly(*, period: QuotaPeriod) -> list[dict[str, Any]]:
    """The period's draws per month, make, model, origin and customs post (see the module)."""
    rows = (
        Certificate.objects.filter(
            period=period,
            status__in=LIVE_CERTIFICATE,
            vehicle__request__kind=RequestKind.DECLARATION,
        )
        .annotate(month=TruncMonth("issued_at"))
        .values(
            "month",
            "vehicle__make",
            "vehicle__model",
            "vehicle__origin_country",
            "vehicle__request__customs_post__code",
            "vehicle__currency",
        )
        .annotate(units=Count("id"), value=Sum("vehicle__customs_value"))
        .order_by(
            "month", "vehicle__request__customs_post__code", "vehicle__make", "vehicle__model"
        )
    )
    rate = period.duty_rate_pct / Decimal(100)
    return [
        {
            "month": row["month"].strftime("%Y-%m") if row["month"] else "",
            "make": row["vehicle__make"],
            "model": row["vehicle__model"],
            "origin_country": row["vehicle__origin_country"],
            "customs_post": row["vehicle__request__customs_post__code"] or "",
            "units": row["units"],
            "currency": row["vehicle__currency"],
            "customs_value": (row["value"] or Decimal(0)).quantize(Decimal("0.01")),
            "duty_forgone": ((row["value"] or Decimal(0)) * rate).quantize(Decimal("0.01")),
        }
        for row in rows
    ]


def reconciliation(*, period: QuotaPeriod) -> list[dict[str, Any]]:
    """Cleared certificates without a registration, then quota-import registrations without a
    cleared certificate (see the module)."""
    cleared = list(
        Certificate.objects.filter(period=period, status=CertificateStatus.CLEARED)
        .select_related("vehicle__request")
        .order_by("cleared_at", "number")
    )
    registered = fleet_services.registered_vins(vins=[c.vin for c in cleared])
    problems: list[dict[str, Any]] = [
        {
            "problem": CERTIFICATE_WITHOUT_REGISTRATION,
            "vin": c.vin,
            "certificate": c.number,
            "declaration": c.customs_declaration,
            "date": c.cleared_at.date().isoformat() if c.cleared_at else "",
            "detail": gettext("cleared, not registered"),
        }
        for c in cleared
        if c.vin not in registered
    ]
    since = period.opens_at.date()
    until = (period.closes_at + dt.timedelta(days=period.validity_days)).date()
    claims = fleet_services.quota_import_registrations(
        country_code=period.country_code, since=since, until=until
    )
    with_certificate = set(
        Certificate.objects.filter(
            vin__in=[r["vin"] for r in claims], status=CertificateStatus.CLEARED
        ).values_list("vin", flat=True)
    )
    problems.extend(
        {
            "problem": REGISTRATION_WITHOUT_CERTIFICATE,
            "vin": r["vin"],
            "certificate": "",
            "declaration": "",
            "date": r["registered_on"].isoformat(),
            "detail": gettext("registered in %(where)s as a quota import")
            % {"where": r["region"] or r["country_code"]},
        }
        for r in claims
        if r["vin"] not in with_certificate
    )
    return problems


def _safe(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (=, +, -, @ lead a formula)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv(*, rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column_label(c) for c in columns])
    for row in rows:
        writer.writerow([_safe(row[c]) for c in columns])
    return buffer.getvalue()


def pdf_cell(value: Any) -> str:
    """A PDF table cell: numbers as the reader's language writes them, at most 32 characters."""
    return str(shown(value))[:32]


def as_pdf(
    *, title: str, subtitle: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]
) -> bytes:
    """A landscape A4 table, as many pages as it takes, with the totals line the caller gives
    in `subtitle`. Rendered on demand (reportlab; no system library). Unlike the CSV, which a
    program may read, the PDF writes its numbers the reader's way (pdf_cell)."""
    regular, bold = pdf_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=landscape(A4), invariant=True)
    pdf.setTitle(title)
    width, height = landscape(A4)
    col_w = (width - 30 * mm) / len(columns)

    def header() -> float:
        pdf.setFont(bold, 14)
        pdf.drawString(15 * mm, height - 15 * mm, title)
        pdf.setFont(regular, 9)
        pdf.drawString(15 * mm, height - 21 * mm, subtitle)
        pdf.setFont(bold, 8)
        for i, c in enumerate(columns):
            pdf.drawString(15 * mm + i * col_w, height - 30 * mm, column_label(c))
        return height - 36 * mm

    y = header()
    pdf.setFont(regular, 8)
    for row in rows:
        if y < 15 * mm:
            pdf.showPage()
            y = header()
            pdf.setFont(regular, 8)
        for i, c in enumerate(columns):
            pdf.drawString(15 * mm + i * col_w, y, pdf_cell(row[c]))
        y -= 5 * mm
    if not rows:
        pdf.drawString(15 * mm, y, gettext("Nothing to report."))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def totals(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Decimal | int]]:
    """Units, customs value and duty forgone per currency (never summed across currencies)."""
    out: dict[str, dict[str, Decimal | int]] = {}
    for row in rows:
        t = out.setdefault(
            row["currency"], {"units": 0, "customs_value": Decimal(0), "duty_forgone": Decimal(0)}
        )
        t["units"] = int(t["units"]) + row["units"]
        t["customs_value"] = Decimal(t["customs_value"]) + row["customs_value"]
        t["duty_forgone"] = Decimal(t["duty_forgone"]) + row["duty_forgone"]
    return out
