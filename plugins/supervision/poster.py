"""The A4 poster of the public suggestion form: a title, a line of text and a QR code."""
from __future__ import annotations

import io

from flask_babel import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def poster_pdf(url: str, place: str = "") -> bytes:
    font = _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    c.setTitle(_("Your suggestion"))
    c.setFont(font, 34)
    c.drawCentredString(width / 2, height - 45 * mm, _("Your suggestion"))
    c.setFont(font, 15)
    c.drawCentredString(width / 2, height - 62 * mm, _("Tell us what we can do better."))
    c.drawCentredString(width / 2, height - 72 * mm, _("Scan the code with your phone: no login needed."))
    qr = QrCodeWidget(url)
    x0, y0, x1, y1 = qr.getBounds()
    side = 120 * mm
    d = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    d.add(qr)
    renderPDF.draw(d, c, (width - side) / 2, height - 80 * mm - side)
    c.setFont(font, 11)
    c.drawCentredString(width / 2, height - 85 * mm - side, url)
    if place:
        c.drawCentredString(width / 2, 25 * mm, place)
    c.showPage()
    c.save()
    return buf.getvalue()
