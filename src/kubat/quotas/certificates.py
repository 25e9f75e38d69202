"""Quota certificate documents: the QR code (SVG for pages, vectors in the PDF) and the PDF.

The QR code holds the public verification URL of the certificate, so a traffic officer or a
buyer can check it with any phone; nothing personal is encoded. Documents are rendered on
demand from the database, never stored, so a withdrawn or lapsed certificate shows its status.
"""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.constants
from django.utils import formats
from django.utils.translation import gettext as _
from qrcode.image.svg import SvgPathImage
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from kubat.core.pdffonts import pdf_fonts
from kubat.quotas.models import Certificate


def _qr(data: str) -> Any:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_svg(*, data: str) -> str:
    """An inline SVG QR code for `data`."""
    image = _qr(data).make_image(image_factory=SvgPathImage)
    return str(image.to_string(encoding="unicode"))


def qr_matrix(*, data: str) -> list[list[bool]]:
    return [list(row) for row in _qr(data).get_matrix()]


def certificate_pdf(*, certificate: Certificate, verify_url: str) -> bytes:
    """A one-page A4 PDF: number, VIN, vehicle, period, status, dates and the QR code.

    In the active language (the request's), dates formatted for it; times stay UTC.
    """
    regular, bold = pdf_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(_("Quota certificate %(number)s") % {"number": certificate.number})
    _width, height = A4
    vehicle = certificate.vehicle
    period = certificate.period
    y = height - 30 * mm
    pdf.setFont(bold, 18)
    pdf.drawString(20 * mm, y, _("Duty-free EV import quota certificate"))

    def day(value: Any) -> str:
        return formats.date_format(value, "SHORT_DATE_FORMAT")

    lines = [
        (_("Certificate number"), certificate.number),
        (_("Status"), str(certificate.get_status_display())),
        ("VIN", certificate.vin),
        (_("Vehicle"), f"{vehicle.make} {vehicle.model} ({vehicle.powertrain})"),
        (_("Quota period"), f"{period.name} ({period.country_code} {period.year})"),
        (
            _("Issued (UTC)"),
            f"{day(certificate.issued_at)} {certificate.issued_at:%H:%M:%S}",
        ),
        (_("Clear before (UTC)"), day(certificate.valid_until)),
    ]
    if certificate.cleared_at:
        lines.append((_("Cleared (UTC)"), day(certificate.cleared_at)))
    if certificate.restricted_until:
        lines.append((_("Resale restricted until"), day(certificate.restricted_until)))
    y -= 15 * mm
    for label, value in lines:
        pdf.setFont(regular, 10)
        pdf.drawString(20 * mm, y, label)
        pdf.setFont(bold, 11)
        pdf.drawString(70 * mm, y, value)
        y -= 8 * mm
    matrix = qr_matrix(data=verify_url)
    module = 60 * mm / len(matrix)
    left, top = 20 * mm, y - 10 * mm
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(left + c * module, top - (r + 1) * module, module, module, 0, 1)
    label = _("Verify:") + " "
    pdf.setFont(regular, 9)
    pdf.drawString(20 * mm, top - 60 * mm - 6 * mm, label)
    # The address in Helvetica: ASCII, so it stays searchable text in the PDF.
    pdf.setFont("Helvetica", 9)
    pdf.drawString(20 * mm + pdf.stringWidth(label, regular, 9), top - 60 * mm - 6 * mm, verify_url)
    pdf.setFont(regular, 9)
    pdf.drawString(
        20 * mm,
        15 * mm,
        _("Issued by Kubat. The certificate is valid only as its public verification page shows."),
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
