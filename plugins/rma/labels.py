"""Box labels: one A6 page per box (box k of N) with a QR code of the RMA number."""
from __future__ import annotations

import io

from flask_babel import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A6, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from core.toolkit import settings

FONT = "STSong-Light"


def _font():
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def receiving_unit_text(rma) -> tuple[str, str]:
    if rma.receiving_dealer is not None:
        d = rma.receiving_dealer
        return f"{d.name} ({d.code})", d.contact or d.name
    return _("Head office after-sales (order department)"), _("Order department")


def _pdf(number: str, title: str, boxes: int, rows: list[tuple[str, str]]) -> bytes:
    """One landscape A6 page per box: the number, ``rows``, "box k of N" and a QR code of the number."""
    font = _font()
    buf = io.BytesIO()
    size = landscape(A6)
    c = canvas.Canvas(buf, pagesize=size)
    c.setTitle(title)
    boxes = min(max(1, boxes or 1), settings.get("rma.max_boxes"))  # bounded even for old records
    width, height = size
    qr = QrCodeWidget(number)  # the same code on every page: built once
    x0, y0, x1, y1 = qr.getBounds()
    side = 38 * mm
    d = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    d.add(qr)
    for k in range(1, boxes + 1):
        y = height - 14 * mm
        c.setFont(font, 16)
        c.drawString(10 * mm, y, number)
        c.setFont(font, 10)
        for label, value in rows + [(_("Box"), _("box %(k)s of %(n)s", k=k, n=boxes))]:
            y -= 9 * mm
            c.drawString(10 * mm, y, f"{label}: {value}")
        renderPDF.draw(d, c, width - side - 8 * mm, height - side - 10 * mm)
        c.setFont(font, 22)
        c.drawRightString(width - 10 * mm, 10 * mm, f"{k}/{boxes}")
        c.showPage()
    c.save()
    return buf.getvalue()


def labels_pdf(rma) -> bytes:
    """The returning unit's labels, for the box count it gave before printing (or when shipping)."""
    unit, receiver = receiving_unit_text(rma)
    rows = [(_("Receiving unit"), unit), (_("Receiver"), receiver),
            (_("Returning unit"), f"{rma.dealer.name} ({rma.dealer.code})"),
            (_("Total pieces"), str(sum(l.quantity for l in rma.lines)))]
    return _pdf(rma.number, _("%(number)s box labels", number=rma.number), rma.boxes, rows)


def return_labels_pdf(rma) -> bytes:
    """The receiving unit's labels for the goods it sends back to the returning unit (004 §6.3)."""
    from plugins.rma.models import SENT_BACK

    sender, _receiver = receiving_unit_text(rma)
    d = rma.dealer
    pieces = sum(l.counted_quantity for l in rma.lines if l.resolution in SENT_BACK)
    rows = [(_("Receiving unit"), f"{d.name} ({d.code})"), (_("Receiver"), d.contact or d.name),
            (_("Sending unit"), sender), (_("Total pieces"), str(pieces)),
            (_("Contents"), (rma.return_contents or "")[:80])]
    return _pdf(rma.number, _("%(number)s return labels", number=rma.number), rma.return_boxes, rows)
