from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.errors import DomainError, NotFound
from core.events import commit
from core.extensions import db
from core.security import require
from core.users import services
from core.users.models import Role, User, role_permissions
from core.web.crud import Crud
from core.web.listing import Column, Filter

bp = Blueprint("core_users", __name__, url_prefix="/admin", template_folder="templates")

LANGUAGE_CHOICES = [("zh_CN", "中文"), ("en", "English")]
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=256)],
                             description=_l("Leave empty to keep the current password."))
    roles = SelectMultipleField(_l("Roles"), choices=[])
    dealer_code = SelectField(_l("Dealer"), choices=[], validate_choice=False)
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    active = BooleanField(_l("Active"), default=True)


def _user_form_setup(form, record):
    from core.dealers.models import Dealer

    form.roles.choices = [(r.id, _role_name(r)) for r in db.session.scalars(select(Role).order_by(Role.id))]
    form.dealer_code.choices = [("", "—")] + [(d.code, f"{d.code} {d.name}") for d in
                                              db.session.scalars(select(Dealer).order_by(Dealer.code).limit(2000))]


def _role_name(role) -> str:
    decl = current_app.extensions["aftersales"].roles.get(role.id)
    return str(decl.name) if decl else role.name


def _user_data(form) -> dict:
    data = {"username": form.username.data.strip(), "display_name": (form.display_name.data or "").strip(),
            "email": form.email.data or None, "roles": form.roles.data, "dealer_code": form.dealer_code.data or None,
            "language": form.language.data, "active": bool(form.active.data)}
    if form.password.data:
        data["password"] = form.password.data
    return data


def _create_user(data, actor):
    data.setdefault("password", "")
    return services.create_user(data, actor)


def _load_user(record_id):
    user = db.session.get(User, record_id)
    if user is None:
        raise NotFound(_("User not found."))
    return user


users_crud = Crud(
    name="users", model=User, title=_l("Users"), singular=_l("User"),
    view_permission="core.users.manage", manage_permission="core.users.manage",
    columns=[Column(_l("Username"), lambda u: u.username, User.username, "username", link=True),
             Column(_l("Display name"), lambda u: u.display_name, User.display_name, "display_name"),
             Column(_l("Roles"), lambda u: ", ".join(sorted(_role_name(r) for r in u.roles))),
             Column(_l("Dealer"), lambda u: u.dealer.code if u.dealer else ""),
             Column(_l("Active"), lambda u: _("yes") if u.active else _("no"), User.active, "active")],
    default_sort="username", form=UserForm,
    create=_create_user, update=services.update_user, delete=services.delete_user, load=_load_user,
    to_data=_user_data,
    from_record=lambda u: {"username": u.username, "display_name": u.display_name, "email": u.email,
                           "roles": sorted(u.role_ids), "dealer_code": u.dealer.code if u.dealer else "",
                           "language": u.language, "active": u.active},
    search=services.user_search_clause,
    filters=[Filter("role", _l("Role"), lambda: [(r.id, _role_name(r)) for r in db.session.scalars(select(Role).order_by(Role.id))],
                    lambda stmt, v: stmt.where(User.roles.any(Role.id == v))),
             Filter("active", _l("Active"), lambda: [("1", _("yes")), ("0", _("no"))],
                    lambda stmt, v: stmt.where(User.active.is_(v == "1")))],
    detail=lambda u: [(_l("Username"), u.username), (_l("Display name"), u.display_name), (_l("E-mail"), u.email or ""),
                      (_l("Roles"), ", ".join(sorted(_role_name(r) for r in u.roles))),
                      (_l("Dealer"), u.dealer.name if u.dealer else ""),
                      (_l("Language"), LANGUAGE_NAMES.get(u.language, u.language)), (_l("Active"), _("yes") if u.active else _("no")),
                      (_l("Locked until"), u.locked_until or "")],
    label=lambda u: u.username, form_setup=_user_form_setup,
).register(bp)


@bp.route("/roles/")
@require("core.roles.manage")
def list_roles():
    roles = list(db.session.scalars(select(Role).order_by(Role.id)))
    grants = {r.id: set() for r in roles}
    for role_id, permission_id in db.session.execute(select(role_permissions.c.role_id, role_permissions.c.permission_id)):
        grants.setdefault(role_id, set()).add(permission_id)
    names = {r.id: _role_name(r) for r in roles}
    return render_template("users/roles.html", roles=roles, grants=grants, role_name=_role_name,
                           permissions=current_app.extensions["aftersales"].permissions,
                           conflicts=[(names.get(a, a), names.get(b, b)) for a, b in services.role_conflicts()])


@bp.route("/roles/<role_id>", methods=["GET", "POST"])
@require("core.roles.manage")
def edit_role(role_id):
    role = db.session.get(Role, role_id)
    if role is None:
        abort(404)
    form = FlaskForm()
    permissions = current_app.extensions["aftersales"].permissions
    if form.validate_on_submit():
        try:
            services.set_role_permissions(role, request.form.getlist("permissions"), actor=current_user)
            commit()
        except DomainError as exc:
            db.session.rollback()
            flash(f"{exc.message}: {exc.fields}", "danger")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("core_users.list_roles"))
    return render_template("users/role_form.html", role=role, form=form, permissions=permissions,
                           granted=services.role_permission_ids(role), role_name=_role_name)


@bp.route("/settings", methods=["GET", "POST"])
@require("core.settings.manage")
def edit_settings():
    from core import settings

    declared = current_app.extensions["aftersales"].settings
    form = FlaskForm()
    errors = {}
    if form.validate_on_submit():
        for key, decl in declared.items():
            raw = request.form.get(key)
            if decl.type is bool:
                raw = "true" if raw else "false"
            if raw is None:
                continue
            current = settings.get(key)
            unchanged = (raw == "true") == bool(current) if decl.type is bool else str(raw).strip() == str(current)
            if unchanged:
                continue
            try:
                with db.session.begin_nested():
                    settings.set_value(key, raw, actor=current_user)
            except DomainError as exc:
                errors.update(exc.fields)
        if errors:
            db.session.rollback()
            flash(_("Please correct the errors below."), "danger")
        else:
            commit()
            flash(_("Saved."), "success")
            return redirect(url_for("core_users.edit_settings"))
    values = {key: settings.get(key) for key in declared}
    names = {m.id: m.title for m in current_app.extensions["aftersales"].manifests}
    groups: dict = {}
    for key in sorted(declared):
        owner = key.split(".", 1)[0]
        groups.setdefault(names.get(owner, _("General") if owner == "core" else owner), []).append((key, declared[key]))
    return render_template("users/settings.html", groups=groups, values=values, form=form,
                           errors=errors), 422 if errors else 200
