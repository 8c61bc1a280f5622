"""Management review minutes as a PDF in Chinese (reportlab, the STSong-Light CID font like the RMA labels)."""
from __future__ import annotations

import io
from urllib.parse import quote

from flask import Response
from flask_babel import force_locale
from flask_babel import gettext as _
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


def _wrap(text: str, width: int) -> list[str]:
    """Split ``text`` into lines of at most ``width`` characters (CJK has no spaces to break on)."""
    lines = []
    for para in str(text).splitlines() or [""]:
        while len(para) > width:
            lines.append(para[:width])
            para = para[width:]
        lines.append(para)
    return lines


def minutes_pdf(review) -> bytes:
    font = _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"{review.number}")
    width, height = A4
    y = height - 20 * mm

    def line(text, size=10, indent=0):
        nonlocal y
        for part in _wrap(text, int((width - 40 * mm - indent) / (size * 0.95))):
            if y < 20 * mm:
                c.showPage()
                y = height - 20 * mm
            c.setFont(font, size)
            c.drawString(20 * mm + indent, y, part)
            y -= size * 1.6

    with force_locale("zh_CN"):
        line(_("Management review minutes") + f" {review.number}", 16)
        line(_("Period") + f": {review.period_from.isoformat()} – {review.period_to.isoformat()}")
        line(_("Held on") + f": {review.held_on.isoformat() if review.held_on else '—'}")
        line(_("Chair") + f": {review.chair.display_name or review.chair.username}")
        line(_("Participants") + ": " + "、".join(review.participants or []))
        line(_("Inputs frozen at") + f": {review.inputs_frozen_at}")
        y -= 4 * mm
        line(_("Inputs"), 13)
        for section in review.inputs or []:
            line(section["title"], 11, 4 * mm)
            for fig in section.get("figures", []):
                line(f"{fig['label']}: {fig['value']}", 9, 10 * mm)
        y -= 4 * mm
        line(_("Decisions"), 13)
        if not review.decisions:
            line(_("No decisions recorded."), 10, 4 * mm)
        kinds = {"improvement": _("Improvement"), "corrective": _("Corrective action")}
        for i, d in enumerate(review.decisions or [], 1):
            line(f"{i}. {d['text']}", 10, 4 * mm)
            line(_("Owner") + f": {d['owner']}  " + _("Due on") + f": {d['due_on']}  {kinds.get(d['kind'], d['kind'])}"
                 + (f"  → {d['record']}" if d.get("record") else ""), 9, 10 * mm)
    c.showPage()
    c.save()
    return buf.getvalue()


def minutes_response(review) -> Response:
    resp = Response(minutes_pdf(review), mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(review.number + '.pdf')}"
    return resp
