"""The PDFs' font draws every letter of Russian, Kyrgyz and Kazakh (Helvetica draws none)."""

from __future__ import annotations

import pytest
from reportlab.pdfbase import pdfmetrics

from kubat.core.pdffonts import DEJAVU, pdf_fonts

LETTERS = "АБВЁЖЩЫЭЮЯабвёжщыэюя" + "ҢңӨөҮү" + "ӘәҒғҚқҰұҺһІі"


@pytest.mark.skipif(
    not (DEJAVU / "DejaVuSans.ttf").exists(), reason="needs fonts-dejavu-core (`make fonts`)"
)
def test_pdf_font_has_a_glyph_for_every_cyrillic_letter_the_four_languages_use() -> None:
    regular, bold = pdf_fonts()
    assert regular != "Helvetica"
    for name in (regular, bold):
        face = pdfmetrics.getFont(name).face
        missing = [c for c in LETTERS if ord(c) not in face.charToGlyph]
        assert missing == [], name
