"""The return panel on a service request page and its button."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup

from core.toolkit import DomainError, db, events, require
from plugins.service import services as service
from plugins.service_rma import services

bp = Blueprint("service_rma", __name__, template_folder="templates", url_prefix="/service-rma")


def request_panel(record=None, **_context):
    if record is None:
        return None
    link = services.link_for(record)
    can_open = (link is None and current_user.can("rma.file") and services.why_not(record) is None)
    if link is None and not can_open:
        return None
    return Markup(current_app.jinja_env.get_template("service_rma/panel.html").render(
        record=record, link=link, can_open=can_open, form=FlaskForm()))


@bp.route("/<int:record_id>/open", methods=["POST"])
@require("rma.file")
def open_rma(record_id):
    record = service.get_request(record_id, current_user)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        rma, _link = services.open_rma(record, current_user, int(request.form.get("version") or 0))
        events.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            abort(403)
        flash(exc.message, "danger")
        return redirect(url_for("service.view_request", record_id=record_id))
    flash(_("Draft return opened: complete and submit it."), "success")
    return redirect(url_for("rma.detail", rma_id=rma.id))
