"""Generic admin pages for a record type: list, detail with activity log, create, edit, delete.

One class drives every master-data page so each entity only says what differs: its
columns, filters, form and the service functions that validate and write. Services raise
``ValidationError`` with a field map, which lands on the form's fields.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core import activity
from core.errors import DomainError
from core.events import commit
from core.extensions import db
from core.web.forms import form_action
from core.web.listing import Column, Filter, paginate_page


@dataclass
class Crud:
    name: str  # plural, used in endpoints: list_<name>, new_<name>, view_<name>, edit_<name>, delete_<name>
    model: type
    title: Any
    singular: Any
    view_permission: str
    manage_permission: str
    columns: list[Column]
    default_sort: str
    form: type
    create: Callable  # (data, actor) -> record
    update: Callable  # (record, data, actor) -> record
    delete: Callable  # (record, actor) -> None
    load: Callable  # (id) -> record, raising NotFound outside scope
    to_data: Callable  # (form) -> dict for the service
    from_record: Callable  # (record) -> dict of form values
    base_stmt: Callable = None  # () -> select(), already scoped
    search: Callable | None = None  # (q) -> clause
    filters: list[Filter] = field(default_factory=list)
    detail: Callable | None = None  # (record) -> list[(label, value)]
    label: Callable = str  # (record) -> title of the detail page
    extra_actions: list = field(default_factory=list)  # [(label, endpoint, permission)] on the list page
    form_setup: Callable | None = None  # (form, record_or_None) -> None, e.g. fill choices
    smart_buttons: Callable | None = None  # (record, user) -> [SmartButton]: counts of related records

    def register(self, bp):
        n = self.name
        bp.add_url_rule(f"/{n}/", f"list_{n}", login_required(self.list_view))
        bp.add_url_rule(f"/{n}/new", f"new_{n}", login_required(self.new_view), methods=["GET", "POST"])
        bp.add_url_rule(f"/{n}/<int:record_id>", f"view_{n}", login_required(self.detail_view))
        bp.add_url_rule(f"/{n}/<int:record_id>/edit", f"edit_{n}", login_required(self.edit_view), methods=["GET", "POST"])
        bp.add_url_rule(f"/{n}/<int:record_id>/delete", f"delete_{n}", login_required(self.delete_view), methods=["GET", "POST"])
        self.blueprint = bp.name
        return self

    def endpoint(self, action: str) -> str:
        return f"{self.blueprint}.{action}_{self.name}"

    def _need(self, permission):
        if not current_user.can(permission):
            abort(403)

    def list_view(self):
        self._need(self.view_permission)
        stmt = self.base_stmt() if self.base_stmt else select(self.model)
        q = request.args.get("q", "").strip()
        if q and self.search:
            stmt = stmt.where(self.search(q))
        active_filters = {}
        for f in self.filters:
            value = request.args.get(f.name, "")
            if value:
                stmt = f.apply(stmt, value)
                active_filters[f.name] = value
        page = paginate_page(stmt, self.columns, self.default_sort)
        return render_template("web/crud_list.html", crud=self, page=page, q=q, active_filters=active_filters,
                               can_manage=current_user.can(self.manage_permission))

    def new_view(self):
        self._need(self.manage_permission)
        form = self.form()
        if self.form_setup:
            self.form_setup(form, None)
        return form_action(form, lambda: self.create(self.to_data(form), current_user),
                           lambda record: url_for(self.endpoint("view"), record_id=record.id),
                           lambda status: (render_template("web/crud_form.html", crud=self, form=form, record=None),
                                           status), success=_("Saved."))

    def detail_view(self, record_id):
        self._need(self.view_permission)
        record = self.load(record_id)
        entries = activity.entries_for(activity.model_name(record), record.id)
        return render_template("web/crud_detail.html", crud=self, record=record,
                               fields=self.detail(record) if self.detail else [], entries=entries,
                               smart_buttons=self.smart_buttons(record, current_user) if self.smart_buttons else [],
                               can_manage=current_user.can(self.manage_permission))

    def edit_view(self, record_id):
        self._need(self.manage_permission)
        record = self.load(record_id)
        form = self.form(data=self.from_record(record)) if request.method == "GET" else self.form()
        if self.form_setup:
            self.form_setup(form, record)
        return form_action(form, lambda: self.update(record, self.to_data(form), current_user),
                           url_for(self.endpoint("view"), record_id=record.id),
                           lambda status: (render_template("web/crud_form.html", crud=self, form=form, record=record),
                                           status),
                           success=_("Saved."))

    def delete_view(self, record_id):
        from flask_wtf import FlaskForm

        self._need(self.manage_permission)
        record = self.load(record_id)
        form = FlaskForm()
        if form.validate_on_submit():
            try:
                self.delete(record, current_user)
                commit()
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                return redirect(url_for(self.endpoint("view"), record_id=record_id))
            flash(_("Deleted."), "success")
            return redirect(url_for(self.endpoint("list")))
        return render_template("web/confirm_delete.html", crud=self, record=record, form=form)
