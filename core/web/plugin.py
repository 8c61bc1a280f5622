"""Login, dashboard, language and notification inbox as an internal plugin of the core."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from markupsafe import escape
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core import settings
from core.declarations import MenuItem
from core.errors import DomainError
from core.events import commit
from core.extensions import db
from core.plugin_system import hookimpl
from core.security import require
from core.web.forms import place_form_errors

bp = Blueprint("core_web", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[DataRequired()])


def _safe_next(target: str | None, user=None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        if user is None or target != url_for("core_web.dashboard"):
            return target
    return home_url(user)


def home_url(user=None) -> str:
    """Where ``user`` lands after logging in: a plugin's answer to ``aftersales_home_url``, else the dashboard."""
    if user is not None and getattr(user, "is_authenticated", False):
        url = current_app.extensions["aftersales"].pm.hook.aftersales_home_url(user=user)
        if url:
            return url
    return url_for("core_web.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    from core.users import services

    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    status = 200
    if request.method == "POST":
        from core.security import login_throttled

        if login_throttled():
            form.password.errors = [_("Too many login attempts from your address: wait a minute.")]
            return render_template("web/login.html", form=form), 429, {"Retry-After": "60"}
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data.strip(), form.password.data)
        except services.AuthError:
            commit()  # keep the failure count
            status = 401
            # one answer whether the user is unknown, the password wrong or the account locked
            form.password.errors.append(_("Wrong username or password. After %(failures)s failed logins an "
                                          "account is locked for %(minutes)s minutes.",
                                          failures=settings.get("core.login_max_failures"),
                                          minutes=settings.get("core.lockout_minutes")))
        else:
            commit()
            session.clear()
            login_user(user)
            start_session(user)
            return redirect(_safe_next(request.args.get("next"), user))
    elif request.method == "POST":
        status = 400
    return render_template("web/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    form = FlaskForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            from core.users.services import end_sessions

            end_sessions(current_user)  # a copied session cookie stops working too
            commit()
        logout_user()
        session.clear()
    return redirect(url_for("core_web.login"))


def start_session(user) -> None:
    """Mark the session with the user's session generation and its start (see session_is_current)."""
    import time

    session["_gen"] = user.session_generation or 0
    session["_auth_at"] = session["_seen_at"] = int(time.time())


def session_is_current(user) -> bool:
    """A login session holds while the user's session generation is unchanged (no logout, password
    change, deactivation or lock since), it was used within the idle timeout and is younger than
    the absolute lifetime."""
    import time

    from core import settings

    now = int(time.time())
    auth_at, seen_at = session.get("_auth_at"), session.get("_seen_at")
    if session.get("_gen") != (user.session_generation or 0) or auth_at is None or seen_at is None:
        return False
    if now - seen_at > settings.get("core.session_idle_hours") * 3600:
        return False
    if now - auth_at > settings.get("core.session_max_hours") * 3600:
        return False
    if now - seen_at >= 60:  # refresh the idle clock at most once a minute
        session["_seen_at"] = now
    return True


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
                start_session(current_user)  # every other session of this user has ended
            except DomainError as exc:
                db.session.rollback()
                place_form_errors(form, exc)
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


@bp.route("/saved-filters", methods=["POST"])
@login_required
def saved_filter_save():
    """Save the current filters of a list page under a name (replacing a filter of that name)."""
    from core import saved_filters

    form = FlaskForm()
    path = request.form.get("list_path", "")
    target = _safe_next(path)
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(target)
    try:
        record = saved_filters.save(current_user, path, request.form.get("name", ""), request.form.get("query", ""))
        commit()
    except DomainError as exc:
        db.session.rollback()
        for message in (exc.fields or {}).values() or [exc.message]:
            flash(message, "danger")
        return redirect(target)
    flash(_("Filter saved."), "success")
    return redirect(_safe_next(record.url))


@bp.route("/saved-filters/<int:filter_id>/delete", methods=["POST"])
@login_required
def saved_filter_delete(filter_id):
    from core import saved_filters

    form = FlaskForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(_safe_next(request.form.get("next")))
    path = saved_filters.delete(current_user, filter_id)
    commit()
    flash(_("Filter deleted."), "success")
    return redirect(_safe_next(path))


def model_labels() -> dict:
    """``{model_name: label}`` from every ``aftersales_model_labels`` answer."""
    labels = {}
    for answer in current_app.extensions["aftersales"].pm.hook.aftersales_model_labels():
        labels.update(answer or {})
    return labels


@bp.route("/activity")
@require("core.activity.view")
def activity_log():
    """Every activity entry (admins and auditors): who did what to which record, with filters."""
    from datetime import datetime, time, timedelta, timezone


    from core.activity import ActivityEntry
    from core.users.models import User
    from core.web import local_dt
    from core.web.listing import Column, paginate_page

    labels = model_labels()
    action_labels = current_app.extensions["aftersales"].activity_labels
    args = request.args
    stmt = select(ActivityEntry)
    errors = {}
    who = (args.get("who") or "").strip()
    if who:
        stmt = stmt.where(ActivityEntry.actor_id.in_(select(User.id).where(User.username == who)))
    model = (args.get("model") or "").strip()
    if model:
        stmt = stmt.where(ActivityEntry.model == model)
    for name, op in (("date_from", "ge"), ("date_to", "lt")):
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        try:
            day = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            errors[name] = _("Enter a date as YYYY-MM-DD.")
            continue
        from core.toolkit import business_zone

        zone = business_zone()
        if op == "ge":
            stmt = stmt.where(ActivityEntry.created_at >= datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc))
        else:
            stmt = stmt.where(ActivityEntry.created_at < datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
                              .astimezone(timezone.utc))
    columns = [Column(_l("When"), None, ActivityEntry.id, "id", html=lambda e: escape(local_dt(e.created_at))),
               Column(_l("Who"), lambda e: (e.actor.display_name or e.actor.username) if e.actor else _("system")),
               Column(_l("Record"), None, ActivityEntry.model, "model",
                      html=lambda e: f"{escape(labels.get(e.model, e.model))} #{escape(e.record_id)}"),
               Column(_l("Action"), None, ActivityEntry.action, "action", html=lambda e: escape(action_labels.get(e.action, e.action))),
               Column(_l("Changes"), None, key="changes", html=_activity_changes_cell)]
    page = paginate_page(stmt, columns, "-id")
    models = sorted(db.session.scalars(select(ActivityEntry.model).distinct()), key=lambda m: str(labels.get(m, m)))
    users = db.session.execute(select(User.username, User.display_name).order_by(User.username).limit(1000)).all()
    return render_template("web/activity.html", page=page, columns=columns, labels=labels, models=models,
                           users=users, errors=errors), (422 if errors else 200)


def _activity_changes_cell(entry) -> str:
    """The activity log's changes cell (``Column.html``), written in Python: each field's old and new
    value, then the comment. The cells of the log were a Jinja ``caller`` block called per cell (200
    macro calls for a page of 50)."""
    from core import chatter

    changes = "".join(f"<div>{escape(label)}: {escape(old)} → {escape(new)}</div>"
                      for label, old, new in chatter.describe(entry))
    comment = f'<div class="fst-italic">{escape(entry.comment)}</div>' if entry.comment else ""
    return f'<div class="small">{changes}{comment}</div>'


@hookimpl
def aftersales_permissions():
    from core.declarations import Permission

    return [Permission("core.activity.view", _l("See the whole activity log"), ("admin", "auditor"))]


@hookimpl
def aftersales_model_labels():
    return {"core_user": _l("User"), "user": _l("User"), "core_dealer": _l("Dealer"), "dealer": _l("Dealer"),
            "core_region": _l("Region"), "region": _l("Region"), "core_product": _l("Product"), "product": _l("Product"),
            "core_product_category": _l("Product category"), "product_category": _l("Product category"),
            "core_role": _l("Role"), "role": _l("Role"), "core_setting": _l("Setting"), "setting": _l("Setting")}


@bp.route("/api-docs")
@login_required
def api_docs():
    """The API's operations in the reader's language: each one's permission label, and its summary
    where the catalogue translates it (the English summaries stay in ``/api/v1/openapi.json``)."""
    from flask_babel import get_locale, gettext

    from core.api import openapi_document

    reg = current_app.extensions["aftersales"]
    english = str(get_locale()).startswith("en")
    rows = []
    for path, ops in openapi_document(current_app)["paths"].items():
        for method, op in ops.items():
            meta = getattr(current_app.view_functions.get(op["operationId"].rsplit("_", 1)[0]), "_api_meta", None)
            permission = reg.permissions.get(meta.permission) if meta is not None and meta.permission else None
            summary = gettext(op["summary"]) if op.get("summary") else ""
            rows.append((method.upper(), path, summary if english or summary != op.get("summary") else "",
                         permission.label if permission is not None else ""))
    return render_template("web/api_docs.html", rows=rows)


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
    return [MenuItem("core.dashboard", _l("Dashboard"), "core_web.dashboard", None, section="main", order=0, icon="speedometer2"),
            MenuItem("core.activity", _l("Activity log"), "core_web.activity_log", "core.activity.view", section="admin",
                     order=80, icon="clock-history")]


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

    return [Slot("dashboard_top", "Above the dashboard widgets", args=()),
            Slot("record_detail_side", "Beside any master-data record's activity log"),
            Slot("record_actions", "Buttons beside the actions of any business record's page (for example "
                                   "'raise a nonconformity'); context: record=<the model instance>.")]
