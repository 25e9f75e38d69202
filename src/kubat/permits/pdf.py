"""The permit as a PDF, drawn with reportlab (pure Python: no system libraries to install).

The PDF is rendered from the case on each request rather than stored: everything on it
(number, site, planned EVSEs, approvals and who gave them) is already in the database and
never changes once the permit is issued.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import qrcode
import qrcode.constants
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from kubat.core.pdffonts import pdf_fonts
from kubat.permits.models import GIVEN_APPROVAL, PermitCase
from kubat.permits.tracks import rules_for


def _qr_matrix(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def _draw_qr(canvas: Canvas, data: str, *, left: float, bottom: float, size: float) -> None:
    """The QR code as vector squares (no image library), `size` wide, lower-left corner given."""
    matrix = _qr_matrix(data)
    module = size / len(matrix)
    top = bottom + size
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                canvas.rect(left + c * module, top - (r + 1) * module, module, module, 0, 1)


def render_permit(case: PermitCase, *, register_url: str = "") -> bytes:
    """A one-page A4 permit; ValueError if the case has no permit number.

    With `register_url` (absolute), a QR code in the top right corner opens the permit's
    public register entry, where its state and signature can be checked. The text is in the
    active language (the view activates the request's), dates and numbers formatted for it.
    """
    if not case.permit_number or case.decided_at is None:
        raise ValueError(f"case {case.reference} has no permit")
    rules = rules_for(case.country_code)
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=0)
    regular, bold_font = pdf_fonts()
    canvas.setTitle(_("Permit %(number)s") % {"number": case.permit_number})
    canvas.setAuthor(_("Kubat single window"))
    height = A4[1]
    y = height - 25 * mm

    def line(text: str, *, size: int = 10, gap: float = 6, bold: bool = False) -> None:
        nonlocal y
        canvas.setFont(bold_font if bold else regular, size)
        canvas.drawString(20 * mm, y, text[:110] if y < height - 65 * mm else text[:80])
        y -= gap * mm

    def day(value: datetime) -> str:
        return formats.date_format(value, "SHORT_DATE_FORMAT")

    def kw(value: float) -> str:
        return formats.number_format(round(value, 1), decimal_pos=None, use_l10n=True)

    if register_url:
        _draw_qr(canvas, register_url, left=A4[0] - 55 * mm, bottom=height - 60 * mm, size=40 * mm)
        canvas.setFont(regular, 6)
        canvas.drawString(A4[0] - 55 * mm, height - 63 * mm, _("Register entry (scan to check)"))
    line(_("Charging station permit"), size=18, gap=10, bold=True)
    line(_("Permit number: %(number)s") % {"number": case.permit_number}, size=12, bold=True)
    line(
        _("Issued: %(date)s (case %(reference)s)")
        % {"date": day(case.decided_at), "reference": case.reference}
    )
    line(_("Track: %(track)s") % {"track": rules.track(case.track).title}, gap=10)
    line(_("Holder"), bold=True)
    line(
        _("%(name)s  (tax id %(tax_id)s)")
        % {"name": case.applicant.name, "tax_id": case.applicant.tax_id or "-"},
        gap=10,
    )
    line(_("Site"), bold=True)
    line(f"{case.site_name}: {case.address}, {case.city}, {case.region}")
    line(
        _("WGS84 %(lat)s, %(lon)s; land right: %(land_right)s")
        % {
            "lat": f"{case.latitude:.6f}",
            "lon": f"{case.longitude:.6f}",
            "land_right": case.land_right,
        }
    )
    line(_("Grid capacity: %(kw)s kW") % {"kw": kw(case.grid_capacity_kw)}, gap=10)
    line(_("Planned charging points"), bold=True)
    for group in case.planned_evses:
        standards = ", ".join(group["standards"])
        line(f"{group['count']} × {group['power_type']} {kw(group['max_kw'])} kW: {standards}")
    y -= 4 * mm
    line(_("Approvals"), bold=True)
    for approval in case.approvals.select_related("agency").filter(status__in=GIVEN_APPROVAL):
        how = _("deemed given (silence)") if approval.status == "deemed_approved" else _("given")
        when = day(approval.decided_at) if approval.decided_at else ""
        line(f"{approval.title}: {approval.agency.name}, {how} {when}")
    y -= 4 * mm
    line(rules.legal_basis[:110], size=7, gap=4)
    canvas.setFont(regular, 7)
    canvas.drawString(
        20 * mm, 15 * mm, _("Kubat single window - %(number)s") % {"number": case.permit_number}
    )
    if register_url:
        label = _("Register:") + " "
        canvas.drawString(20 * mm, 11 * mm, label)
        # The address in Helvetica: ASCII, so it stays searchable text in the PDF's bytes.
        canvas.setFont("Helvetica", 7)
        canvas.drawString(20 * mm + canvas.stringWidth(label, regular, 7), 11 * mm, register_url)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
