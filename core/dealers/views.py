from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.dealers import services
from core.dealers.models import ABC_CLASSES, DEALER_KIND_LABELS, DEALER_KINDS, DEALER_STATUSES, Dealer, Region
from core.errors import DomainError, NotFound
from core.events import commit
from core.extensions import db
from core.security import get_scoped, require, scoped
from core.web.crud import Crud
from core.web.listing import Column, Filter

bp = Blueprint("core_dealers", __name__, template_folder="templates")

KIND_LABELS = DEALER_KIND_LABELS
STATUS_LABELS = {"active": _l("Active"), "warned": _l("Warned"), "suspended": _l("Suspended"),
                 "disqualified": _l("Disqualified")}


class RegionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    manager_usernames = StringField(_l("Regional managers"), validators=[Optional(), Length(max=1000)],
                                    description=_l("Usernames, separated by commas."))


def _region_data(form) -> dict:
    return {"code": form.code.data.strip(), "name": form.name.data.strip(),
            "manager_usernames": [u.strip() for u in (form.manager_usernames.data or "").split(",") if u.strip()]}


def _load_region(record_id):
    return services.get_region(record_id)


regions_crud = Crud(
    name="regions", model=Region, title=_l("Regions"), singular=_l("Region"),
    view_permission="core.regions.view", manage_permission="core.regions.manage",
    columns=[Column(_l("Code"), lambda r: r.code, Region.code, "code", link=True),
             Column(_l("Name"), lambda r: r.name, Region.name, "name"),
             Column(_l("Regional managers"), lambda r: ", ".join(u.username for u in r.managers))],
    default_sort="code", form=RegionForm,
    create=services.create_region, update=services.update_region, delete=services.delete_region,
    load=_load_region, to_data=_region_data,
    base_stmt=lambda: select(Region).options(selectinload(Region.managers)),
    from_record=lambda r: {"code": r.code, "name": r.name, "manager_usernames": ", ".join(u.username for u in r.managers)},
    search=lambda q: Region.code.ilike(f"%{q}%") | Region.name.ilike(f"%{q}%"),
    detail=lambda r: [(_l("Code"), r.code), (_l("Name"), r.name),
                      (_l("Regional managers"), ", ".join(u.display_name or u.username for u in r.managers))],
    label=lambda r: f"{r.code} {r.name}",
).register(bp)


class DealerForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[(k, KIND_LABELS[k]) for k in DEALER_KINDS])
    parent_code = SelectField(_l("Agent (for a distributor)"), choices=[], validate_choice=False)
    region_code = SelectField(_l("Region"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[(s, STATUS_LABELS[s]) for s in DEALER_STATUSES])
    status_reason = TextAreaField(_l("Reason for the status"), validators=[Optional(), Length(max=500)])
    abc_class = SelectField(_l("Customer class"), choices=[(c, c) for c in ABC_CLASSES])
    contact = StringField(_l("Contact"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])


def _dealer_form_setup(form, record):
    form.parent_code.choices = [("", "—")] + [(d.code, f"{d.code} {d.name}") for d in db.session.scalars(
        select(Dealer).where(Dealer.kind == "agent").order_by(Dealer.code).limit(2000))]
    form.region_code.choices = [("", "—")] + [(r.code, f"{r.code} {r.name}") for r in db.session.scalars(
        select(Region).order_by(Region.code))]


def _dealer_data(form) -> dict:
    return {"code": form.code.data.strip(), "name": form.name.data.strip(), "kind": form.kind.data,
            "parent_code": form.parent_code.data or None, "region_code": form.region_code.data or None,
            "status": form.status.data, "status_reason": (form.status_reason.data or "").strip(),
            "abc_class": form.abc_class.data, "contact": (form.contact.data or "").strip(),
            "phone": (form.phone.data or "").strip(), "address": (form.address.data or "").strip()}


def _dealer_detail(d):
    rows = [(_l("Code"), d.code), (_l("Name"), d.name), (_l("Kind"), KIND_LABELS.get(d.kind, d.kind)),
            (_l("Agent"), f"{d.parent.code} {d.parent.name}" if d.parent else ""),
            (_l("Region"), d.region.name if d.region else ""), (_l("Status"), STATUS_LABELS.get(d.status, d.status)),
            (_l("Reason for the status"), d.status_reason or ""),
            (_l("Status changed by"), d.status_changed_by.username if d.status_changed_by else ""),
            (_l("Customer class"), d.abc_class), (_l("Contact"), d.contact), (_l("Phone"), d.phone),
            (_l("Address"), d.address)]
    return rows


def dealer_smart_buttons(dealer, user):
    """Every plugin's counts for this dealer (``aftersales_dealer_smart_buttons``), in their order."""
    from flask import current_app

    found = current_app.extensions["aftersales"].pm.hook.aftersales_dealer_smart_buttons(dealer=dealer, user=user)
    return sorted((b for buttons in found for b in buttons or []), key=lambda b: (b.order, b.key))


dealers_crud = Crud(
    name="dealers", model=Dealer, title=_l("Dealers"), singular=_l("Dealer"),
    view_permission="core.dealers.view", manage_permission="core.dealers.manage",
    columns=[Column(_l("Code"), lambda d: d.code, Dealer.code, "code", link=True),
             Column(_l("Name"), lambda d: d.name, Dealer.name, "name"),
             Column(_l("Kind"), lambda d: KIND_LABELS.get(d.kind, d.kind), Dealer.kind, "kind"),
             Column(_l("Agent"), lambda d: d.parent.code if d.parent else ""),
             Column(_l("Region"), lambda d: d.region.name if d.region else ""),
             Column(_l("Class"), lambda d: d.abc_class, Dealer.abc_class, "abc_class"),
             Column(_l("Status"), lambda d: STATUS_LABELS.get(d.status, d.status), Dealer.status, "status")],
    default_sort="code", form=DealerForm,
    create=services.create_dealer, update=services.update_dealer, delete=services.delete_dealer,
    load=lambda record_id: get_scoped(Dealer, record_id), to_data=_dealer_data,
    from_record=lambda d: {**services.serialize_dealer(d), "parent_code": d.parent.code if d.parent else "",
                           "region_code": d.region.code if d.region else ""},
    base_stmt=lambda: scoped(select(Dealer), Dealer),
    search=services.dealer_search_clause,
    smart_buttons=dealer_smart_buttons,
    filters=[Filter("kind", _l("Kind"), lambda: [(k, KIND_LABELS[k]) for k in DEALER_KINDS],
                    lambda stmt, v: stmt.where(Dealer.kind == v)),
             Filter("status", _l("Status"), lambda: [(s, STATUS_LABELS[s]) for s in DEALER_STATUSES],
                    lambda stmt, v: stmt.where(Dealer.status == v)),
             Filter("region", _l("Region"), lambda: [(r.code, r.name) for r in db.session.scalars(select(Region).order_by(Region.code))],
                    lambda stmt, v: stmt.where(Dealer.region_id.in_(select(Region.id).where(Region.code == v)))),
             Filter("abc_class", _l("Class"), lambda: [(c, c) for c in ABC_CLASSES],
                    lambda stmt, v: stmt.where(Dealer.abc_class == v))],
    detail=_dealer_detail, label=lambda d: f"{d.code} {d.name}", form_setup=_dealer_form_setup,
    extra_actions=[(_l("Export CSV"), "core_dealers.export_dealers", "core.dealers.view"),
                   (_l("Import CSV"), "core_dealers.import_dealers", "core.dealers.manage")],
).register(bp)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


@bp.route("/dealers/export.csv")
@require("core.dealers.view")
def export_dealers():
    dealers = db.session.scalars(scoped(select(Dealer), Dealer).order_by(Dealer.code)).unique()
    from core.toolkit import export_response

    return export_response("dealers", services.DEALER_CSV_FIELDS, services.dealer_export_rows(dealers))


@bp.route("/dealers/import", methods=["GET", "POST"])
@require("core.dealers.manage")
def import_dealers():
    return csv_import_page(ImportForm(), services.import_dealers_csv, services.DEALER_CSV_FIELDS,
                           _("Import dealers"), "core_dealers.list_dealers")


def csv_import_page(form, importer, columns, title, back_endpoint):
    errors = {}
    status = 200
    if form.validate_on_submit():
        try:
            result = importer(form.file.data.read(), current_user)
            commit()
        except DomainError as exc:
            db.session.rollback()
            errors = {services.row_label(k): v for k, v in exc.fields.items()}
            flash(exc.message, "danger")
            status = 422
        else:
            flash(_("Imported: %(created)d created, %(updated)d updated.", **result), "success")
            return redirect(url_for(back_endpoint))
    return render_template("web/csv_import.html", form=form, errors=errors, columns=columns, title=title,
                           back_endpoint=back_endpoint), status
