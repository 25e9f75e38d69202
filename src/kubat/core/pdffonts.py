"""Fonts for PDFs that speak Russian, Kyrgyz and Kazakh as well as English.

reportlab's built-in Helvetica covers Latin-1 only: Cyrillic, with the letters Kazakh and
Kyrgyz add to it, would print as black boxes. DejaVu Sans covers all four languages; it is Debian's
`fonts-dejavu-core` (the Makefile installs it when missing). Without it the PDFs still render,
in Helvetica, so an English document never fails for want of a font.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@cache
def pdf_fonts() -> tuple[str, str]:
    """The (regular, bold) font names to pass to reportlab's setFont, registered once."""
    regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        return "Helvetica", "Helvetica-Bold"
    pdfmetrics.registerFont(TTFont("KubatSans", str(regular)))
    pdfmetrics.registerFont(TTFont("KubatSans-Bold", str(bold)))
    return "KubatSans", "KubatSans-Bold"
