"""Pages: the dealer portal home, a dealer's page (profile, users, class, contacts, status history),
the contact schedule, scorecards (ranking by region, per dealer, export) and status changes."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import escape
from wtforms import DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.toolkit import DomainError, activity, attachment_response, db, events, export_response, form_action, require, today
from plugins.dealers import services
from plugins.dealers.models import CLASSES, CONTACT_KINDS, STATUSES

bp = Blueprint("dealers", __name__, template_folder="templates")

KIND_LABELS = {"visit": _l("Visit"), "phone": _l("Phone call"), "letter": _l("Letter"), "card": _l("Card"),
               "meeting": _l("Meeting")}
STATUS_LABELS = {"active": _l("Active"), "warned": _l("Warned"), "suspended": _l("Suspended"),
                 "disqualified": _l("Disqualified")}
STATE_LABELS = {"proposed": _l("Proposed"), "decided": _l("Decided"), "confirmed": _l("Confirmed"),
                "rejected": _l("Rejected")}
STATE_BADGES = {"proposed": "primary", "decided": "info", "confirmed": "success", "rejected": "secondary"}
DIRECTION_LABELS = {"higher_better": _l("higher is better"), "lower_better": _l("lower is better")}


@bp.app_context_processor
def _labels():
    return {"dealers_labels": {"kind": KIND_LABELS, "status": STATUS_LABELS, "state": STATE_LABELS,
                               "badge": STATE_BADGES, "direction": DIRECTION_LABELS}}


class ClassifyForm(FlaskForm):
    abc_class = SelectField(_l("Class"), choices=[(c, c) for c in CLASSES])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ContactForm(FlaskForm):
    contacted_on = DateField(_l("Contacted on"), validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=[(k, KIND_LABELS[k]) for k in CONTACT_KINDS])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=4000)])
    next_steps = TextAreaField(_l("Next steps"), validators=[Optional(), Length(max=4000)])


class ProposeForm(FlaskForm):
    to_status = SelectField(_l("New status"), choices=[(s, STATUS_LABELS[s]) for s in STATUSES])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class StaffForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=2, max=64)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=256)])
    language = SelectField(_l("Language"), choices=[("zh_CN", "中文"), ("en", "English")])


class ActionForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class EvidenceForm(FlaskForm):
    file = FileField(_l("Evidence (image or PDF)"), validators=[FileRequired()])


# --- the portal -----------------------------------------------------------------------------------


@bp.route("/portal", endpoint="portal")
@require("dealers.portal")
def portal():
    dealers = services.portal_dealers(current_user)
    groups = [(d, [s for s in services.portal_sections(d, current_user) if s["count"] or s.get("empty")])
              for d in dealers]
    return render_template("dealers/portal.html", groups=groups, dealer=current_user.dealer,
                           notifications=services.recent_notifications(current_user),
                           quick_actions=_quick_actions(), today=today())


QUICK_ACTIONS = (("rma.new_rma", "rma.file", _l("File a return")),
                 ("logistics.new_exception", "logistics.create", _l("New transport exception record")),
                 ("spares.new_report", "spares.report", _l("Report spare-part stock")),
                 ("spares.new_application", "spares.apply", _l("Apply for spare parts")))


def _quick_actions():
    from flask import current_app

    out = []
    for endpoint, permission, label in QUICK_ACTIONS:
        if endpoint in current_app.view_functions and current_user.can(permission):
            out.append((url_for(endpoint), label))
    if current_user.dealer is not None:
        out.append((url_for("dealers.dealer_page", code=current_user.dealer.code), _l("Our profile and users")))
    return out


# --- a dealer's page ------------------------------------------------------------------------------


def _dealer_page(dealer, status=200, **forms):
    staff = current_user.scope != "dealer"
    users = services.dealer_users(dealer)
    ctx = {"dealer": dealer, "staff": staff, "users": users,
           "manageable": {u.id for u in users if u.role_ids == {"dealer"} and u.id != current_user.id},
           "may_manage": current_user.can("dealers.manage_own_users") and current_user.dealer_id == dealer.id,
           "staff_form": forms.get("staff_form") or StaffForm(), "toggle_form": FlaskForm()}
    if staff and current_user.can("dealers.view"):
        rows = services.schedule(current_user, dealer_code=dealer.code)
        ctx.update(
            classifications=db.session.scalars(services.classifications_stmt(current_user, dealer.code).limit(50)).all(),
            contacts=db.session.scalars(services.contacts_stmt(current_user, dealer.code)
                                        .order_by(services.Contact.contacted_on.desc()).limit(50)).all(),
            changes=db.session.scalars(services.status_changes_stmt(current_user, dealer.code)
                                       .order_by(services.StatusChange.id.desc()).limit(50)).all(),
            schedule_row=rows[0] if rows else None,
            classify_form=forms.get("classify_form") or ClassifyForm(abc_class=dealer.abc_class),
            contact_form=forms.get("contact_form") or ContactForm(contacted_on=today()),
            propose_form=forms.get("propose_form") or ProposeForm(),
            entries=activity.entries_for(activity.model_name(dealer), dealer.id, limit=50))
    return render_template("dealers/dealer.html", **ctx), status


@bp.route("/dealers/<code>/profile")
@login_required
def dealer_page(code):
    dealer = services.visible_dealer(code, current_user)
    return _dealer_page(dealer)


@bp.route("/dealers/<code>/classify", methods=["POST"])
@require("dealers.classify")
def classify(code):
    dealer = services.visible_dealer(code, current_user)
    form = ClassifyForm()
    return form_action(form, lambda: services.classify({"dealer_code": dealer.code, "abc_class": form.abc_class.data,
                                                        "reason": form.reason.data.strip()}, current_user),
                       url_for("dealers.dealer_page", code=code),
                       lambda status: _dealer_page(dealer, status, classify_form=form), success=_("Class changed."))


@bp.route("/dealers/<code>/contacts", methods=["POST"])
@require("dealers.contact")
def add_contact(code):
    dealer = services.visible_dealer(code, current_user)
    form = ContactForm()
    return form_action(form, lambda: services.create_contact(
        {"dealer_code": dealer.code, "contacted_on": form.contacted_on.data, "kind": form.kind.data,
         "summary": form.summary.data.strip(), "next_steps": (form.next_steps.data or "").strip()}, current_user),
        url_for("dealers.dealer_page", code=code),
        lambda status: _dealer_page(dealer, status, contact_form=form), success=_("Contact recorded."))


@bp.route("/dealers/<code>/status-changes", methods=["POST"])
@require("dealers.propose_status")
def propose(code):
    dealer = services.visible_dealer(code, current_user)
    form = ProposeForm()
    return form_action(form, lambda: services.propose_status_change(
        {"dealer_code": dealer.code, "to_status": form.to_status.data, "reason": form.reason.data.strip()},
        current_user), lambda record: url_for("dealers.view_status_change", change_id=record.id),
        lambda status: _dealer_page(dealer, status, propose_form=form),
        success=_("Proposed. Attach the evidence for the order department."))


@bp.route("/dealers/<code>/users", methods=["POST"])
@require("dealers.manage_own_users")
def add_user(code):
    dealer = services.visible_dealer(code, current_user)
    form = StaffForm()
    return form_action(form, lambda: services.add_staff_login(
        dealer, {"username": form.username.data.strip(), "display_name": (form.display_name.data or "").strip(),
                 "password": form.password.data, "language": form.language.data}, current_user),
        url_for("dealers.dealer_page", code=code),
        lambda status: _dealer_page(dealer, status, staff_form=form), success=_("Login added."))


@bp.route("/dealers/<code>/users/<int:user_id>/<action>", methods=["POST"])
@require("dealers.manage_own_users")
def toggle_user(code, user_id, action):
    if action not in ("activate", "deactivate"):
        abort(404)
    dealer = services.visible_dealer(code, current_user)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    user = next((u for u in services.dealer_users(dealer) if u.id == user_id), None)
    if user is None:
        abort(404)
    try:
        services.set_staff_login_active(dealer, user, action == "activate", current_user)
        events.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            abort(403)
        flash(exc.message, "danger")
        return redirect(url_for("dealers.dealer_page", code=code))
    flash(_("Login deactivated.") if action == "deactivate" else _("Login activated."), "success")
    return redirect(url_for("dealers.dealer_page", code=code))


# --- the contact schedule -------------------------------------------------------------------------


def _regions():
    from sqlalchemy import select

    from core.toolkit import Region

    return db.session.execute(select(Region.code, Region.name).order_by(Region.code)).all()


@bp.route("/dealers/schedule", endpoint="contact_schedule")
@require("dealers.view")
def contact_schedule():
    args = request.args
    region = args.get("region") or None
    abc_class = args.get("class") if args.get("class") in CLASSES else None
    overdue = {"1": True, "0": False}.get(args.get("overdue", ""))
    sort = args.get("sort") if args.get("sort") in services.SCHEDULE_SORTS else "next_due_on"
    rows = services.sort_schedule(services.schedule(current_user, region, abc_class, overdue), sort)
    try:
        page = max(1, int(args.get("page", 1)))
    except ValueError:
        page = 1
    per_page = 50
    total = len(rows)
    return render_template("dealers/schedule.html", rows=rows[(page - 1) * per_page:page * per_page], total=total,
                           page=page, pages=max(1, -(-total // per_page)), regions=_regions(), classes=CLASSES,
                           region=region or "", abc_class=abc_class or "", overdue=args.get("overdue", ""), sort=sort)


# --- scorecards -----------------------------------------------------------------------------------


def _period():
    def parse(name):
        raw = request.args.get(name, "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    return services.check_period(parse("period_from"), parse("period_to"))


@bp.route("/dealers/scorecards", endpoint="scorecards")
@require("dealers.view")
def scorecards():
    try:
        period_from, period_to = _period()
    except DomainError as exc:
        flash(exc.message + ": " + "; ".join(exc.fields.values()), "danger")
        period_from, period_to = services.default_period()
    region = request.args.get("region") or None
    dealers = services.scorecard_dealers(current_user, region)
    figures, values = services.scorecards(dealers, period_from, period_to)
    key = request.args.get("figure") or (figures[0]["key"] if figures else "")
    if figures and key not in {f["key"] for f in figures}:
        key = figures[0]["key"]
    groups = services.ranking(dealers, figures, values, key)
    return render_template("dealers/scorecards.html", figures=figures, key=key, groups=groups,
                           chart=services.bar_chart(groups), period_from=period_from, period_to=period_to,
                           regions=_regions(), region=region or "",
                           current=next((f for f in figures if f["key"] == key), None))


@bp.route("/dealers/scorecards/export.<fmt>")
@require("dealers.view")
def export_scorecards(fmt):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    period_from, period_to = _period()
    dealers = services.scorecard_dealers(current_user, request.args.get("region") or None)
    figures, values = services.scorecards(dealers, period_from, period_to)
    header = [_("Dealer"), _("Name"), _("Region"), _("Class"), _("Status")] + [f["label"] for f in figures]
    rows = ([d.code, d.name, d.region.code if d.region else "", d.abc_class, str(STATUS_LABELS[d.status])]
            + [values[d.id].get(f["key"]) for f in figures] for d in dealers)
    return export_response(f"dealer-scorecards-{period_from.isoformat()}-{period_to.isoformat()}", header, rows, fmt)


@bp.route("/dealers/<code>/scorecard")
@require("dealers.view")
def dealer_scorecard(code):
    dealer = services.visible_dealer(code, current_user)
    try:
        period_from, period_to = _period()
    except DomainError as exc:
        flash(exc.message, "danger")
        period_from, period_to = services.default_period()
    figures, values = services.scorecards([dealer], period_from, period_to)
    return render_template("dealers/scorecard.html", dealer=dealer, figures=figures, values=values[dealer.id],
                           period_from=period_from, period_to=period_to)


# --- status changes -------------------------------------------------------------------------------


@bp.route("/dealers/status-changes/")
@require("dealers.view")
def list_status_changes():
    from core.toolkit import Column, local_dt, paginate_page
    from plugins.dealers.models import StatusChange

    state = request.args.get("state") if request.args.get("state") in STATE_LABELS else None
    stmt = services.status_changes_stmt(current_user, request.args.get("dealer") or None, state)
    columns = [
        Column("#", lambda r: r.id, StatusChange.id, "id", link=True),
        Column(_l("Dealer"), lambda r: f"{r.dealer.code} {r.dealer.name}"),
        Column(_l("Change"), lambda r: f"{STATUS_LABELS[r.from_status]} → {STATUS_LABELS[r.to_status]}"),
        Column(_l("State"), lambda r: STATE_LABELS[r.state], StatusChange.state, "state",
               badge=lambda r: STATE_BADGES.get(r.state, "secondary")),
        # written in Python (Column.html): a Jinja ``caller`` block per row cost more than the rest of the row
        Column(_l("Proposed"), None, StatusChange.created_at, "created", html=lambda r: escape(local_dt(r.created_at))),
    ]
    page = paginate_page(stmt.order_by(None), columns, "-id")
    return render_template("dealers/status_changes.html", page=page, state=state or "", columns=columns)


def _render_change(record, status=200, form=None, evidence_form=None):
    atts = services.evidence_by_change([record.id])[record.id]
    return render_template("dealers/status_change.html", record=record, attachments=atts,
                           actions=services.allowed_actions(record, current_user), form=form or ActionForm(),
                           evidence_form=evidence_form or EvidenceForm(),
                           can_upload=record.state == "proposed" and (current_user.can("dealers.propose_status")
                                                                       or current_user.can("dealers.decide_status")),
                           entries=activity.entries_for(activity.model_name(record), record.id)), status


@bp.route("/dealers/status-changes/<int:change_id>")
@require("dealers.view")
def view_status_change(change_id):
    return _render_change(services.get_status_change(change_id))


@bp.route("/dealers/status-changes/<int:change_id>/<action>", methods=["POST"])
@require("dealers.view")
def act(change_id, action):
    if action not in services.ACTIONS:
        abort(404)
    record = services.get_status_change(change_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _render_change(record, 422, form=form)
    try:
        services.run_action(record, action, current_user, int(request.form.get("version") or 0),
                            (form.note.data or "").strip())
        events.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            abort(403)
        flash(exc.message + ("" if not exc.fields else ": " + "; ".join(exc.fields.values())), "danger")
        return _render_change(services.get_status_change(change_id), exc.status if exc.status in (409, 422) else 422,
                              form=form)
    flash(_("Done."), "success")
    return redirect(url_for("dealers.view_status_change", change_id=change_id))


@bp.route("/dealers/status-changes/<int:change_id>/attachments", methods=["POST"])
@require("dealers.view")
def upload_evidence(change_id):
    record = services.get_status_change(change_id)
    form = EvidenceForm()
    if not form.validate_on_submit():
        return _render_change(record, 422, evidence_form=form)
    try:
        services.add_evidence(record, form.file.data.filename or "file", form.file.data.read(), current_user)
        events.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            abort(403)
        form.file.errors = list(form.file.errors) + list(exc.fields.values() or [exc.message])
        return _render_change(services.get_status_change(change_id), 422, evidence_form=form)
    flash(_("Uploaded."), "success")
    return redirect(url_for("dealers.view_status_change", change_id=change_id))


@bp.route("/dealers/status-changes/<int:change_id>/attachments/<int:attachment_id>")
@require("dealers.view")
def evidence(change_id, attachment_id):
    record = services.get_status_change(change_id)
    return attachment_response(services.get_evidence(record, attachment_id))
