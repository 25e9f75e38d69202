"""The permit as a PDF, drawn with reportlab (pure Python: no system libraries to install).

The PDF is rendered from the case on each request rather than stored: everything on it
(number, site, planned EVSEs, approvals and who gave them) is already in the database and
never changes once the permit is issued.
"""

from __future__ import annotations

from io import BytesIO

import qrcode
import qrcode.constants
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

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
    public register entry, where its state and signature can be checked.
    """
    if not case.permit_number or case.decided_at is None:
        raise ValueError(f"case {case.reference} has no permit")
    rules = rules_for(case.country_code)
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=0)
    canvas.setTitle(f"Permit {case.permit_number}")
    canvas.setAuthor("Kubat single window")
    height = A4[1]
    y = height - 25 * mm

    def line(text: str, *, size: int = 10, gap: float = 6, bold: bool = False) -> None:
        nonlocal y
        canvas.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        canvas.drawString(20 * mm, y, text[:110] if y < height - 65 * mm else text[:80])
        y -= gap * mm

    if register_url:
        _draw_qr(canvas, register_url, left=A4[0] - 55 * mm, bottom=height - 60 * mm, size=40 * mm)
        canvas.setFont("Helvetica", 6)
        canvas.drawString(A4[0] - 55 * mm, height - 63 * mm, "Register entry (scan to check)")
    line("Charging station permit", size=18, gap=10, bold=True)
    line(f"Permit number: {case.permit_number}", size=12, bold=True)
    line(f"Issued: {case.decided_at:%Y-%m-%d} (case {case.reference})")
    line(f"Track: {rules.track(case.track).title}", gap=10)
    line("Holder", bold=True)
    line(f"{case.applicant.name}  (tax id {case.applicant.tax_id or '-'})", gap=10)
    line("Site", bold=True)
    line(f"{case.site_name}: {case.address}, {case.city}, {case.region}")
    line(f"WGS84 {case.latitude:.6f}, {case.longitude:.6f}; land right: {case.land_right}")
    line(f"Grid capacity: {case.grid_capacity_kw:g} kW", gap=10)
    line("Planned charging points", bold=True)
    for group in case.planned_evses:
        standards = ", ".join(group["standards"])
        line(f"{group['count']} x {group['power_type']} {group['max_kw']:g} kW: {standards}")
    y -= 4 * mm
    line("Approvals", bold=True)
    for approval in case.approvals.select_related("agency").filter(status__in=GIVEN_APPROVAL):
        how = "deemed given (silence)" if approval.status == "deemed_approved" else "given"
        when = f"{approval.decided_at:%Y-%m-%d}" if approval.decided_at else ""
        line(f"{approval.title}: {approval.agency.name}, {how} {when}")
    y -= 4 * mm
    line(rules.legal_basis[:110], size=7, gap=4)
    canvas.setFont("Helvetica", 7)
    canvas.drawString(20 * mm, 15 * mm, f"Kubat single window - {case.permit_number}")
    if register_url:
        canvas.drawString(20 * mm, 11 * mm, f"Register: {register_url}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
