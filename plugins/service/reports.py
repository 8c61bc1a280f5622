"""The service report (服务报告): one A4 page per visit, in Chinese, with the customer's signature."""
from __future__ import annotations

import io
from urllib.parse import quote

from flask import Response
from flask_babel import force_locale, gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from core.toolkit import business_zone

FONT = "STSong-Light"
LINE_CHARS = 42


def _font():
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _local(moment):
    return moment.astimezone(business_zone()).strftime("%Y-%m-%d %H:%M") if moment else ""


def _wrap(text: str) -> list[str]:
    lines = []
    for para in (text or "").splitlines() or [""]:
        while len(para) > LINE_CHARS:
            lines.append(para[:LINE_CHARS])
            para = para[LINE_CHARS:]
        lines.append(para)
    return lines


def report_pdf(visit) -> bytes:
    from plugins.service import services

    r = visit.request
    font = _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    issued = (services.parts_issued([visit.id]) or {}).get(visit.id)
    with force_locale("zh_CN"):
        if issued:  # with the spares plugin: issued from head-office stock, each with its movement
            parts = "; ".join(f"{p['sku']} × {p['qty']} (" + _("stock movement") + f" #{p['movement_id']})" for p in issued)
        else:
            parts = "; ".join(f"{p['sku']} × {p['qty']}" for p in visit.parts_used or [])
        c.setTitle(f"{r.number} " + _("Service report"))
        c.setFont(font, 18)
        c.drawString(20 * mm, height - 22 * mm, _("On-site service report"))
        c.setFont(font, 11)
        c.drawRightString(width - 20 * mm, height - 22 * mm, r.number)
        if r.in_warranty is None:
            warranty = _("unknown")
        else:
            warranty = _("in warranty") if r.in_warranty else _("out of warranty")
        result = {"solved": _("Solved"), "unsolved": _("Not solved"), "taken_back": _("Unit taken back")}
        rows = [
            (_("Customer"), r.customer_name), (_("Phone"), r.customer_phone), (_("Address"), r.customer_address),
            (_("Product"), f"{r.sku} {r.serial}".strip()), (_("Warranty"), warranty),
            (_("Problem reported"), r.problem),
            (_("Technician"), visit.technician.display_name or visit.technician.username),
            (_("Appointment"), f"{_local(r.window_from)} – {_local(r.window_to)}" if r.window_from else ""),
            (_("Arrived at"), _local(visit.arrived_at) + (
                "" if visit.on_time is None else " (" + (_("on time") if visit.on_time else _("late")) + ")")),
            (_("Tools"), "、".join(visit.tools or [])),
            (_("Problem confirmed"), _("Yes") if visit.problem_confirmed else _("No")),
            (_("Actual fault"), visit.actual_fault), (_("Work done"), visit.work_done),
            (_("Parts used"), parts),
            (_("Unsolved faults"), visit.unsolved), (_("Result"), result.get(visit.result, visit.result)),
        ]
        if r.fee is not None:
            rows.append((_("Fee"), f"{r.fee:.2f}"))
        y = height - 36 * mm
        for label, value in rows:
            wrapped = _wrap(str(value or ""))
            c.setFont(font, 10)
            c.drawString(20 * mm, y, f"{label}:")
            for i, line in enumerate(wrapped):
                c.drawString(55 * mm, y - i * 5.5 * mm, line)
            y -= max(1, len(wrapped)) * 5.5 * mm + 2 * mm
            if y < 70 * mm:
                c.showPage()
                y = height - 25 * mm
        c.setFont(font, 11)
        c.drawString(20 * mm, 58 * mm, _("Customer's co-signature"))
        if visit.signed:
            att = services.signature_attachment(visit)
            try:
                c.drawImage(ImageReader(io.BytesIO(att.data)), 20 * mm, 22 * mm, width=70 * mm, height=32 * mm,
                            preserveAspectRatio=True, mask="auto")
            except Exception:  # an unreadable image still leaves the signer's name
                pass
            c.setFont(font, 10)
            c.drawString(100 * mm, 40 * mm, _("Signed by") + f": {visit.signer_name}")
            c.drawString(100 * mm, 33 * mm, _("Signed at") + f": {_local(visit.signed_at)}")
        else:
            c.setFont(font, 10)
            c.drawString(20 * mm, 45 * mm, _("not signed"))
        c.showPage()
    c.save()
    return buf.getvalue()


def pdf_response(visit) -> Response:
    data = report_pdf(visit)
    resp = Response(data, mimetype="application/pdf")
    name = f"{visit.request.number}-visit-{visit.id}.pdf"
    resp.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def image_response(att) -> Response:
    resp = Response(att.data, mimetype=att.content_type)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
