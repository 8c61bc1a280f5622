"""Login, dashboard, language and notification inbox as an internal plugin of the core."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core.declarations import MenuItem
from core.errors import DomainError
from core.events import commit
from core.extensions import db
from core.plugin_system import hookimpl

bp = Blueprint("core_web", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("core_web.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    from core.users import services

    if current_user.is_authenticated:
        return redirect(url_for("core_web.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data.strip(), form.password.data)
        except services.AuthError as exc:
            commit()  # keep the failure count
            status = 401
            if exc.reason == "locked":
                form.username.errors.append(_locked_message(form.username.data.strip()))
            else:
                form.password.errors.append(_("Wrong username or password."))
        else:
            commit()
            session.clear()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("web/login.html", form=form), status


def _locked_message(username: str) -> str:
    """The lockout message says until when (in the reader's time zone)."""
    from flask_babel import format_datetime

    from core.users.models import User

    until = db.session.scalar(select(User.locked_until).where(User.username == username))
    if until is None:
        return _("Too many failed logins: this account is locked for a while.")
    return _("Too many failed logins: this account is locked until %(until)s.",
             until=format_datetime(until, "yyyy-MM-dd HH:mm"))


@bp.route("/logout", methods=["POST"])
def logout():
    form = FlaskForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
    return redirect(url_for("core_web.login"))


@bp.route("/language/<lang>", methods=["POST"])
def set_language(lang):
    form = FlaskForm()
    if lang in current_app.config["LANGUAGES"] and form.validate_on_submit():
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.language = lang
            commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/")
@login_required
def dashboard():
    reg = current_app.extensions["aftersales"]
    widgets = [w for w in reg.widgets if not w.permission or current_user.can(w.permission)]
    rendered = [(w, w.render()) for w in widgets]
    return render_template("web/dashboard.html", widgets=rendered)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    from core.users import services

    form = PasswordForm()
    if form.validate_on_submit():
        if form.new_password.data != form.confirm.data:
            form.confirm.errors.append(_("The two new passwords differ."))
        else:
            try:
                services.change_own_password(current_user, form.current_password.data, form.new_password.data)
                commit()
            except DomainError as exc:
                db.session.rollback()
                for key, message in exc.fields.items():
                    getattr(form, key).errors.append(message)
            else:
                flash(_("Your password was changed."), "success")
                return redirect(url_for("core_web.dashboard"))
    return render_template("web/password.html", form=form)


@bp.route("/notifications")
@login_required
def notifications_inbox():
    from core.notifications import Notification
    from core.web.listing import Column, paginate_page

    stmt = select(Notification).where(Notification.user_id == current_user.id)
    page = paginate_page(stmt, [Column("", None, Notification.id, "id")], "-id")
    return render_template("web/notifications.html", page=page, form=FlaskForm())


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notifications_read():
    from core import notifications

    form = FlaskForm()
    if form.validate_on_submit():
        raw = request.form.get("id")
        notifications.mark_read(current_user, int(raw) if raw and raw.isdigit() else None)
        commit()
    return redirect(url_for("core_web.notifications_inbox"))


@bp.route("/api-docs")
@login_required
def api_docs():
    from core.api import openapi_document

    return render_template("web/api_docs.html", doc=openapi_document(current_app))


@bp.route("/chatter/<model>/<int:record_id>", methods=["POST"])
@login_required
def chatter_post(model, record_id):
    """A comment (with @mentions and files) on any record that declares a chatter."""
    from core import chatter
    from core.errors import ValidationError

    form = FlaskForm()
    decl, record = chatter.record_for(model, record_id, current_user)
    target = _safe_next(request.form.get("next") or (decl.link(record) if decl.link else None))
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(target)
    files = [(f.filename or "file", f.read()) for f in request.files.getlist("files") if f and f.filename]
    try:
        chatter.post(record, request.form.get("body", ""), current_user, files)
        commit()
    except ValidationError as exc:
        db.session.rollback()
        for message in (exc.fields or {}).values() or [exc.message]:
            flash(message, "danger")
    else:
        flash(_("Message posted."), "success")
    return redirect(target + "#chatter")


@bp.route("/chatter/<model>/<int:record_id>/files/<int:attachment_id>")
@login_required
def chatter_file(model, record_id, attachment_id):
    from core import attachments, chatter

    return attachments.response(chatter.attachment_for(model, record_id, attachment_id, current_user))


@hookimpl
def aftersales_blueprints():
    return [bp]


@hookimpl
def aftersales_menu_items():
    return [MenuItem("core.dashboard", _l("Dashboard"), "core_web.dashboard", None, section="main", order=0, icon="speedometer2")]


@hookimpl
def aftersales_activity_labels():
    return {"created": _l("created"), "updated": _l("updated"), "deleted": _l("deleted"),
            "status_changed": _l("status changed"), "locked": _l("locked"), "password_changed": _l("password changed"),
            "permissions_changed": _l("permissions changed"), "setting_changed": _l("setting changed")}


@hookimpl
def aftersales_field_labels():
    """The core's fields as people read them in every activity log (no raw ids or codes)."""
    from core.declarations import FieldLabels
    from core.dealers.views import KIND_LABELS, STATUS_LABELS

    fields = {"state": _l("State"), "status": _l("Status"), "number": _l("Number"), "lines": _l("Lines"),
              "line": _l("Line"), "quantity": _l("Quantity"), "amount": _l("Amount"), "reason": _l("Reason"),
              "username": _l("Username"), "display_name": _l("Display name"), "email": _l("E-mail"),
              "roles": _l("Roles"), "language": _l("Language"), "active": _l("Active"), "dealer_code": _l("Dealer"),
              "password": _l("Password"), "code": _l("Code"), "name": _l("Name"), "kind": _l("Kind"),
              "region_id": _l("Region"), "region": _l("Region"), "parent_id": _l("Agent"), "contact": _l("Contact"),
              "phone": _l("Phone"), "address": _l("Address"), "abc_class": _l("Customer class"),
              "manager_usernames": _l("Regional managers"), "permissions": _l("Permissions"), "sku": _l("SKU"),
              "unit_price": _l("Unit price"), "serious": _l("Serious"), "comment": _l("Comment")}
    values = {"language": {"zh_CN": "中文", "en": "English"}, "kind": KIND_LABELS,
              "status": STATUS_LABELS}
    return [FieldLabels(fields, values)]


@hookimpl
def aftersales_template_slots():
    from core.declarations import Slot

    return [Slot("dashboard_top", "Above the dashboard widgets"),
            Slot("record_detail_side", "Beside any master-data record's activity log"),
            Slot("record_actions", "Buttons beside the actions of any business record's page (for example "
                                   "'raise a nonconformity'); context: record=<the model instance>.")]
