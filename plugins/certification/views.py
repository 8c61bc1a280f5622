"""Pages: self-assessments (score by area and indicator, stars, trend chart), the criteria, controlled
documents, training records, equipment, calibrations and the evidence pack."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import (BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.toolkit import (Column, form_action, Crud, DomainError, Filter, activity, db, events, fixed_texts, paginate_page, require, series_chart,
                          today)
from plugins.certification import pack, services
from plugins.certification.actions import ACTIONS
from plugins.certification.files import file_response
from plugins.certification.models import (AUDIENCES, CALIBRATION_RESULTS, DOCUMENT_KINDS, Calibration, Document,
                                          Equipment, TrainingRecord)

bp = Blueprint("certification", __name__, template_folder="templates", url_prefix="/certification")
commit = events.commit

STATE_LABELS = {"draft": _l("Draft"), "submitted": _l("Submitted"), "approved": _l("Approved")}
STATE_BADGES = {"draft": "secondary", "submitted": "primary", "approved": "success"}
LEVEL_LABELS = {"not_compliant": _l("Not compliant"), "compliant": _l("Compliant (达标)"),
                "three_star": _l("Three stars"), "four_star": _l("Four stars"), "five_star": _l("Five stars")}
LEVEL_STARS = {"not_compliant": 0, "compliant": 0, "three_star": 3, "four_star": 4, "five_star": 5}
KIND_LABELS = {
    "service_manual": _l("Service manual"), "procedure_response": _l("Procedure: response"),
    "procedure_repair": _l("Procedure: repair"), "procedure_returns": _l("Procedure: returns and exchanges"),
    "procedure_training": _l("Procedure: training"), "procedure_callback": _l("Procedure: callbacks"),
    "work_instruction": _l("Work instruction"), "staff_roster": _l("Staff roster with qualifications"),
    "appraisal": _l("Appraisal rules"), "premises": _l("Service premises"),
    "contract_customer": _l("Contract with customers"), "contract_supplier": _l("Contract with suppliers"),
    "business_licence": _l("Business licence"), "org_code": _l("Organisation code certificate"),
    "tax_registration": _l("Tax registration"), "company_profile": _l("Company profile"),
    "satisfaction_survey": _l("Satisfaction survey"), "honour": _l("Honour or award"),
    "third_party_report": _l("Third-party report"), "public_welfare": _l("Public welfare"), "other": _l("Other"),
}
AUDIENCE_LABELS = {"staff": _l("Staff"), "customer": _l("Customers"), "dealer": _l("Dealers")}
RESULT_LABELS = {"pass": _l("Pass"), "adjusted": _l("Adjusted"), "fail": _l("Fail")}
PACK_STATUS = {"present": (_l("Present"), "success"), "missing": (_l("Missing"), "danger"),
               "stale": (_l("Stale"), "warning")}


def _english() -> bool:
    return str(get_locale() or "zh_CN").startswith("en")


@bp.app_template_filter("certification_stars")
def stars(level: str) -> Markup:
    count = LEVEL_STARS.get(level, 0)
    label = LEVEL_LABELS.get(level, level)
    icons = "".join('<i class="bi bi-star-fill text-warning" aria-hidden="true"></i>' for _ in range(count))
    return Markup('<span class="certification-level" title="{0}">{1} <span>{0}</span></span>').format(
        label, Markup(icons))


def _flash_error(exc: DomainError) -> None:
    db.session.rollback()
    detail = "; ".join(f"{k}: {v}" for k, v in (exc.fields or {}).items())
    flash(f"{exc.message}" + (f" ({detail})" if detail else ""), "danger")


# --- self-assessments -------------------------------------------------------------------


class NewAssessmentForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    assessors = StringField(_l("Assessors (comma-separated)"), validators=[Optional(), Length(max=1000)])


class ActionForm(FlaskForm):
    version = IntegerField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class CriterionForm(FlaskForm):
    version = IntegerField(validators=[Optional()])
    points = DecimalField(_l("Points"), places=1, validators=[Optional(), NumberRange(min=0, max=100)])
    not_applicable = BooleanField(_l("Not applicable"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    evidence_links = StringField(_l("Evidence links (separated by spaces)"), validators=[Optional(), Length(max=11000)])


class SpecialForm(FlaskForm):
    version = IntegerField(validators=[Optional()])
    kind = SelectField(_l("Deduction or bonus"), choices=[("deduction", _l("Special deduction (−1)")),
                                            ("bonus", _l("Special bonus (+1)"))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    rectification = TextAreaField(_l("Rectification (for a deduction)"), validators=[Optional(), Length(max=2000)])


def trend_chart(points) -> dict:
    """The score by year (approved and draft assessments) with the level thresholds: the shared chart."""
    years = [p[0] for p in points]
    rows = [(_("Score"), {year: score for year, score, _level, _state in points})]
    rows += [(LEVEL_LABELS.get(level, level), {year: minimum for year in years})
             for level, minimum in services.scoring.thresholds()]
    return series_chart(years, rows, "line", title=_("Score by year"), y_min=50, y_max=100)


@bp.route("/")
@require("certification.assess")
def index():
    rows = list(db.session.scalars(services.assessment_stmt()))
    points = services.trend()
    trend = trend_chart(points) if points else None
    return render_template("certification/index.html", rows=rows, trend=trend, form=NewAssessmentForm(year=today().year),
                           states=STATE_LABELS, badges=STATE_BADGES, levels=LEVEL_LABELS)


@bp.route("/assessments", methods=["POST"])
@require("certification.assess")
def new_assessment():
    form = NewAssessmentForm()
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            flash(f"{getattr(form, name).label.text}: {'; '.join(errors)}", "danger")
        return redirect(url_for("certification.index"))
    try:
        record = services.create_assessment({"year": form.year.data,
                                             "assessors": (form.assessors.data or "").replace("，", ",").split(",")},
                                            current_user)
        commit()
    except DomainError as exc:
        _flash_error(exc)
        return redirect(url_for("certification.index"))
    flash(_("Self-assessment opened."), "success")
    return redirect(url_for("certification.view_assessment", assessment_id=record.id))


@bp.route("/assessments/<int:assessment_id>")
@require("certification.assess")
def view_assessment(assessment_id: int):
    record = services.get_assessment(assessment_id)
    data = services.serialize_assessment(record, current_user)
    by_indicator: dict[str, list] = {}
    for c in data["criteria"]:
        by_indicator.setdefault(c["indicator"], []).append(c)
    warnings = {}
    for w in data["warnings"]:
        warnings.setdefault(w["criterion_code"], []).append(w["message"])
    return render_template(
        "certification/assessment.html", record=record, data=data, by_indicator=by_indicator, warnings=warnings,
        english=_english(), states=STATE_LABELS, badges=STATE_BADGES, levels=LEVEL_LABELS,
        editable=record.state == "draft" and current_user.can("certification.assess"),
        action_form=ActionForm(), criterion_form=CriterionForm(), special_form=SpecialForm(),
        # the status bar: forward moves first, each labelled as its transition
        bar_actions=sorted(data["actions"], key=lambda name: name == "reopen"),
        action_labels={t.name: t.label for t in services.workflow.transitions})


def _back(record):
    return redirect(url_for("certification.view_assessment", assessment_id=record.id))


@bp.route("/assessments/<int:assessment_id>/criteria/<code>", methods=["POST"])
@require("certification.assess")
def score_criterion(assessment_id: int, code: str):
    record = services.get_assessment(assessment_id)
    form = CriterionForm()
    if not form.validate_on_submit():
        flash("; ".join(f"{code} {getattr(form, k).label.text}: {', '.join(v)}" for k, v in form.errors.items()),
              "danger")
        return _back(record)
    data = {"notes": form.notes.data or "", "version": form.version.data,
            "evidence_links": (form.evidence_links.data or "").split()}
    if form.not_applicable.data:
        data["not_applicable"] = True
    else:
        data["not_applicable"] = False
        data["points"] = form.points.data
    try:
        services.score_criterion(record, code, data, current_user)
        commit()
    except DomainError as exc:
        _flash_error(exc)
        return _back(services.get_assessment(assessment_id))
    return redirect(url_for("certification.view_assessment", assessment_id=record.id) + f"#c-{code}")


@bp.route("/assessments/<int:assessment_id>/specials", methods=["POST"])
@require("certification.assess")
def add_special(assessment_id: int):
    record = services.get_assessment(assessment_id)
    form = SpecialForm()
    if not form.validate_on_submit():
        flash("; ".join(f"{getattr(form, k).label.text}: {', '.join(v)}" for k, v in form.errors.items()), "danger")
        return _back(record)
    try:
        services.add_special(record, {"kind": form.kind.data, "reason": form.reason.data,
                                      "rectification": form.rectification.data or "",
                                      "version": form.version.data}, current_user)
        commit()
    except DomainError as exc:
        _flash_error(exc)
    return _back(record)


@bp.route("/assessments/<int:assessment_id>/specials/<int:special_id>/delete", methods=["POST"])
@require("certification.assess")
def delete_special(assessment_id: int, special_id: int):
    record = services.get_assessment(assessment_id)
    if FlaskForm().validate_on_submit():
        try:
            services.delete_special(record, special_id, current_user)
            commit()
        except DomainError as exc:
            _flash_error(exc)
    return _back(record)


@bp.route("/assessments/<int:assessment_id>/act/<action>", methods=["POST"])
@require("certification.assess")
def act(assessment_id: int, action: str):
    return ACTIONS.handle_form(assessment_id, action, on_error=_refused)


def _refused(assessment_id: int, exc: DomainError):
    _flash_error(exc)
    return redirect(url_for("certification.view_assessment", assessment_id=assessment_id))


@bp.route("/assessments/<int:assessment_id>/delete", methods=["POST"])
@require("certification.assess")
def delete_assessment(assessment_id: int):
    record = services.get_assessment(assessment_id)
    if FlaskForm().validate_on_submit():
        try:
            services.delete_assessment(record, current_user)
            commit()
        except DomainError as exc:
            _flash_error(exc)
            return _back(record)
        flash(_("Deleted."), "success")
    return redirect(url_for("certification.index"))


# --- criteria ----------------------------------------------------------------------------


@bp.route("/criteria", methods=["GET", "POST"])
@require("certification.view")
def criteria():
    rows = services.criteria()
    form = FlaskForm()
    status = 200
    if request.method == "POST":
        if not current_user.can("certification.configure"):
            abort(403)
        if form.validate_on_submit():
            changes = []
            for c in rows:
                raw = request.form.get(f"max_{c.code}", "").strip()
                try:
                    value = float(raw)
                except ValueError:
                    flash(_("%(code)s: enter a number.", code=c.code), "danger")
                    return redirect(url_for("certification.criteria"))
                changes.append({"code": c.code, "max_points": round(value, 1),
                                "active": request.form.get(f"active_{c.code}") == "1"})
            try:
                services.update_criteria(changes, current_user)
                commit()
            except DomainError as exc:
                _flash_error(exc)
                rows = services.criteria()
                status = 422
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("certification.criteria"))
    else:
        commit()  # the first read seeds the criteria
    total = sum(c.max_points for c in rows if c.active)
    return render_template("certification/criteria.html", rows=rows, form=form, total=total, english=_english(),
                           can_configure=current_user.can("certification.configure"),
                           indicators=services.INDICATORS), status


# --- documents ------------------------------------------------------------------------------


class DocumentForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Document kind"), choices=[(k, KIND_LABELS[k]) for k in DOCUMENT_KINDS])
    version = StringField(_l("Version"), validators=[DataRequired(), Length(max=20)])
    effective_on = DateField(_l("Effective on"), validators=[DataRequired()])
    approved_by = StringField(_l("Approved by"), validators=[DataRequired(), Length(max=120)])
    review_due_on = DateField(_l("Review due on"), validators=[Optional()])
    file = FileField(_l("File (PDF or image)"), validators=[FileRequired()])


class VersionForm(FlaskForm):
    version = StringField(_l("New version"), validators=[DataRequired(), Length(max=20)])
    effective_on = DateField(_l("Effective on"), validators=[DataRequired()])
    approved_by = StringField(_l("Approved by"), validators=[DataRequired(), Length(max=120)])
    review_due_on = DateField(_l("Review due on"), validators=[Optional()])
    file = FileField(_l("File (PDF or image)"), validators=[FileRequired()])


class ReviewForm(FlaskForm):
    review_due_on = DateField(_l("Review due on"), validators=[Optional()])


DOC_COLUMNS = [
    Column(_l("Code"), lambda d: d.code, Document.code, "code", link=True),
    Column(_l("Title"), lambda d: d.title, Document.title, "title"),
    Column(_l("Document kind"), lambda d: KIND_LABELS.get(d.kind, d.kind)),
    Column(_l("Version"), lambda d: d.revision),
    Column(_l("Effective on"), lambda d: d.effective_on.isoformat(), Document.effective_on, "effective_on"),
    Column(_l("Review due on"), lambda d: d.review_due_on.isoformat() if d.review_due_on else "",
           Document.review_due_on, "review_due_on"),
]
DOC_FILTERS = [Filter("kind", _l("Document kind"), lambda: [(k, KIND_LABELS[k]) for k in DOCUMENT_KINDS], None)]


@bp.route("/documents/")
@require("certification.view")
def list_documents():
    from types import SimpleNamespace

    args = request.args
    keeper = services.may_keep_documents(current_user)
    q = SimpleNamespace(q=args.get("q", "").strip() or None,
                        kind=args.get("kind") if args.get("kind") in DOCUMENT_KINDS else None,
                        status=args.get("status") if keeper and args.get("status") in ("current", "superseded")
                        else ("current" if not args.get("status") else None),
                        code=None, review_due_before=None, sort="code")
    stmt = services.document_stmt(q, current_user).order_by(None)
    page = paginate_page(stmt, DOC_COLUMNS, "code")
    filters = DOC_FILTERS + ([Filter("status", _l("Status"), lambda: [("current", _("Current")),
                                                                     ("superseded", _("Superseded"))], None)]
                             if keeper else [])
    active = {f.name: args.get(f.name) for f in filters if args.get(f.name)}
    texts = fixed_texts("certification documents", _document_texts)
    return render_template("certification/documents.html", page=page, columns=texts["columns"], filters=filters,
                           active_filters=active, q=q.q or "", can_create=keeper, status_label=texts["status"],
                           status_cells=_document_status_cells(texts, today()))


def _document_texts() -> dict:
    """The documents list's fixed texts in one language (``fixed_texts``): column titles, the status
    cell's title and badges."""
    from dataclasses import replace

    status = _("Status")
    return {"columns": [replace(c, label=str(c.label)) for c in DOC_COLUMNS], "status": status,
            "head": f'<td data-label="{escape(status)}">',
            "superseded": str(Markup('<span class="badge bg-secondary">%s</span>') % _("Superseded")),
            "current": str(Markup('<span class="badge bg-success">%s</span>') % _("Current")),
            "overdue": str(Markup('<span class="badge bg-warning text-dark">%s</span>') % _("Review overdue"))}


def _document_status_cells(texts: dict, today_):
    """The list's trailing status cell (superseded or current, review overdue), written in Python
    (``extra_cells``): a Jinja ``caller`` block per row cost more than the rest of the row."""
    head, superseded, current, overdue = texts["head"], texts["superseded"], texts["current"], texts["overdue"]

    def cell(r):
        late = overdue if r.status == "current" and r.review_due_on and r.review_due_on < today_ else ""
        return f'{head}{superseded if r.status == "superseded" else current}\n        {late}</td>'
    return cell


@bp.route("/documents/new", methods=["GET", "POST"])
@require("certification.documents")
def new_document():
    form = DocumentForm()

    def run():
        data = {k: getattr(form, k).data for k in ("code", "title", "kind", "version", "effective_on",
                                                   "approved_by", "review_due_on")}
        return services.create_document(data, form.file.data.filename, form.file.data.read(), current_user)

    return form_action(form, run, lambda doc: url_for("certification.view_document", document_id=doc.id),
                       lambda status: (render_template("certification/document_form.html", form=form, record=None),
                                       status), success=_("Saved."))


@bp.route("/documents/<int:document_id>", methods=["GET", "POST"])
@require("certification.view")
def view_document(document_id: int):
    doc = services.get_document(document_id, current_user)
    keeper = services.may_keep_documents(current_user)
    version_form = VersionForm(prefix="v")
    review_form = ReviewForm(prefix="r", review_due_on=doc.review_due_on)

    def page(status=200):
        history = [d for d in services.document_history(doc) if keeper or d.status == "current"]
        return render_template("certification/document.html", doc=doc, history=history, keeper=keeper,
                               version_form=version_form, review_form=review_form, kinds=KIND_LABELS,
                               today=today()), status

    if request.method != "POST":
        return page()
    if not keeper:
        abort(403)
    if request.form.get("r-review_due_on") is not None:
        return form_action(review_form, lambda: services.update_document(
            doc, {"review_due_on": review_form.review_due_on.data}, current_user),
            url_for("certification.view_document", document_id=doc.id), page, success=_("Saved."))
    if request.form.get("v-version") is not None:
        def new_version():
            data = {k: getattr(version_form, k).data for k in ("version", "effective_on", "approved_by",
                                                               "review_due_on")}
            return services.new_version(doc, data, version_form.file.data.filename, version_form.file.data.read(),
                                        current_user)

        return form_action(version_form, new_version, lambda new: url_for("certification.view_document",
                                                                          document_id=new.id), page,
                           success=_("The new version supersedes version %(old)s.", old=doc.revision))
    return page(422)


@bp.route("/documents/<int:document_id>/file")
@require("certification.view")
def document_file(document_id: int):
    return file_response(services.document_file(services.get_document(document_id, current_user)))


# --- training records, equipment, calibrations (generic pages) --------------------------------


class TrainingForm(FlaskForm):
    course = StringField(_l("Course"), validators=[DataRequired(), Length(max=200)])
    held_on = DateField(_l("Date"), validators=[DataRequired()])
    trainer = StringField(_l("Trainer"), validators=[DataRequired(), Length(max=120)])
    audience = SelectField(_l("Audience"), choices=[(a, AUDIENCE_LABELS[a]) for a in AUDIENCES])
    attendees = TextAreaField(_l("Attendees (one per line)"), validators=[DataRequired(), Length(max=20000)])
    result = TextAreaField(_l("Result"), validators=[Optional(), Length(max=4000)])


def _lines(text: str) -> list[str]:
    return [x.strip() for x in (text or "").replace(",", "\n").replace("，", "\n").replace("、", "\n").splitlines()
            if x.strip()]


training_crud = Crud(
    name="training", model=TrainingRecord, title=_l("Training records"), singular=_l("Training record"),
    view_permission="certification.view", manage_permission="certification.documents",
    columns=[Column(_l("Course"), lambda t: t.course, TrainingRecord.course, "course", link=True),
             Column(_l("Date"), lambda t: t.held_on.isoformat(), TrainingRecord.held_on, "held_on"),
             Column(_l("Trainer"), lambda t: t.trainer),
             Column(_l("Audience"), lambda t: AUDIENCE_LABELS.get(t.audience, t.audience)),
             Column(_l("Attendees"), lambda t: len(t.attendees or []))],
    default_sort="-held_on", form=TrainingForm,
    create=services.create_training, update=services.update_training, delete=services.delete_training,
    load=services.get_training,
    to_data=lambda f: {"course": f.course.data.strip(), "held_on": f.held_on.data, "trainer": f.trainer.data.strip(),
                       "audience": f.audience.data, "attendees": _lines(f.attendees.data),
                       "result": (f.result.data or "").strip()},
    from_record=lambda t: {"course": t.course, "held_on": t.held_on, "trainer": t.trainer, "audience": t.audience,
                           "attendees": "\n".join(t.attendees or []), "result": t.result},
    search=lambda q: TrainingRecord.course.ilike(f"%{q}%") | TrainingRecord.trainer.ilike(f"%{q}%"),
    filters=[Filter("audience", _l("Audience"), lambda: [(a, AUDIENCE_LABELS[a]) for a in AUDIENCES],
                    lambda stmt, v: stmt.where(TrainingRecord.audience == v))],
    detail=lambda t: [(_l("Course"), t.course), (_l("Date"), t.held_on), (_l("Trainer"), t.trainer),
                      (_l("Audience"), AUDIENCE_LABELS.get(t.audience, t.audience)),
                      (_l("Attendees"), "、".join(t.attendees or [])), (_l("Result"), t.result)],
    label=lambda t: f"{t.held_on} {t.course}",
).register(bp)


class EquipmentForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    model = StringField(_l("Model"), validators=[Optional(), Length(max=120)])
    quantity = IntegerField(_l("Quantity"), default=1, validators=[DataRequired(), NumberRange(min=1, max=100_000)])
    purpose = StringField(_l("Purpose"), validators=[Optional(), Length(max=200)])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=120)])
    needs_calibration = BooleanField(_l("Needs calibration"), default=True)
    calibration_interval_months = IntegerField(_l("Calibration interval (months)"), default=12,
                                               validators=[DataRequired(), NumberRange(min=1, max=120)])
    active = BooleanField(_l("In use"), default=True)


def _yes(value) -> str:
    return _("yes") if value else _("no")


def _overdue_label(e) -> str:
    return _("Overdue") if services.equipment_overdue(e) else ""


equipment_crud = Crud(
    name="equipment", model=Equipment, title=_l("Equipment"), singular=_l("Equipment item"),
    view_permission="certification.view", manage_permission="certification.documents",
    columns=[Column(_l("Code"), lambda e: e.code, Equipment.code, "code", link=True),
             Column(_l("Name"), lambda e: e.name, Equipment.name, "name"),
             Column(_l("Model"), lambda e: e.model),
             Column(_l("Quantity"), lambda e: e.quantity),
             Column(_l("Next calibration due"), lambda e: e.next_due_on.isoformat() if e.next_due_on else "",
                    Equipment.next_due_on, "next_due_on"),
             Column(_l("Calibration overdue"), _overdue_label),
             Column(_l("In use"), lambda e: _yes(e.active))],
    default_sort="code", form=EquipmentForm,
    create=services.create_equipment, update=services.update_equipment, delete=services.delete_equipment,
    load=services.get_equipment,
    to_data=lambda f: {"code": f.code.data.strip(), "name": f.name.data.strip(), "model": (f.model.data or "").strip(),
                       "quantity": f.quantity.data, "purpose": (f.purpose.data or "").strip(),
                       "location": (f.location.data or "").strip(), "needs_calibration": bool(f.needs_calibration.data),
                       "calibration_interval_months": f.calibration_interval_months.data,
                       "active": bool(f.active.data)},
    from_record=lambda e: {k: getattr(e, k) for k in ("code", "name", "model", "quantity", "purpose", "location",
                                                      "needs_calibration", "calibration_interval_months", "active")},
    search=lambda q: Equipment.code.ilike(f"%{q}%") | Equipment.name.ilike(f"%{q}%"),
    filters=[Filter("overdue", _l("Calibration overdue"), lambda: [("1", _("yes")), ("0", _("no"))],
                    lambda stmt, v: stmt.where(services.overdue_clause(today()) if v == "1"
                                               else ~services.overdue_clause(today())))],
    detail=lambda e: [(_l("Code"), e.code), (_l("Name"), e.name), (_l("Model"), e.model),
                      (_l("Quantity"), e.quantity), (_l("Purpose"), e.purpose), (_l("Location"), e.location),
                      (_l("Needs calibration"), _yes(e.needs_calibration)),
                      (_l("Calibration interval (months)"), e.calibration_interval_months),
                      (_l("Next calibration due"), e.next_due_on or ""),
                      (_l("Calibration overdue"), _yes(services.equipment_overdue(e))), (_l("In use"), _yes(e.active))],
    label=lambda e: f"{e.code} {e.name}",
).register(bp)


class CalibrationForm(FlaskForm):
    equipment_code = SelectField(_l("Equipment"), choices=[], validate_choice=False)
    calibrated_on = DateField(_l("Calibrated on"), validators=[DataRequired()])
    due_on = DateField(_l("Valid until (empty: by the interval)"), validators=[Optional()])
    result = SelectField(_l("Result"), choices=[(r, RESULT_LABELS[r]) for r in CALIBRATION_RESULTS])
    certificate_no = StringField(_l("Certificate number"), validators=[Optional(), Length(max=60)])
    performed_by = StringField(_l("Performed by"), validators=[Optional(), Length(max=120)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


def _calibration_setup(form, record):
    form.equipment_code.choices = [(e.code, f"{e.code} {e.name}") for e in db.session.scalars(
        select(Equipment).where(Equipment.active.is_(True)).order_by(Equipment.code).limit(2000))]
    if record is not None:
        form.equipment_code.render_kw = {"disabled": True}


calibrations_crud = Crud(
    name="calibrations", model=Calibration, title=_l("Calibrations"), singular=_l("Calibration"),
    view_permission="certification.view", manage_permission="certification.documents",
    columns=[Column(_l("Calibrated on"), lambda c: c.calibrated_on.isoformat(), Calibration.calibrated_on,
                    "calibrated_on", link=True),
             Column(_l("Equipment"), lambda c: f"{c.equipment.code} {c.equipment.name}"),
             Column(_l("Valid until"), lambda c: c.due_on.isoformat(), Calibration.due_on, "due_on"),
             Column(_l("Result"), lambda c: RESULT_LABELS.get(c.result, c.result)),
             Column(_l("Certificate number"), lambda c: c.certificate_no),
             Column(_l("Calibration overdue"), lambda c: _("Overdue") if services.serialize_calibration(c)["overdue"]
                    else "")],
    default_sort="-calibrated_on", form=CalibrationForm,
    create=services.create_calibration, update=services.update_calibration, delete=services.delete_calibration,
    load=services.get_calibration,
    to_data=lambda f: {"equipment_code": f.equipment_code.data, "calibrated_on": f.calibrated_on.data,
                       "due_on": f.due_on.data, "result": f.result.data,
                       "certificate_no": (f.certificate_no.data or "").strip(),
                       "performed_by": (f.performed_by.data or "").strip(), "notes": (f.notes.data or "").strip()},
    from_record=lambda c: {"equipment_code": c.equipment.code, "calibrated_on": c.calibrated_on, "due_on": c.due_on,
                           "result": c.result, "certificate_no": c.certificate_no, "performed_by": c.performed_by,
                           "notes": c.notes},
    base_stmt=lambda: select(Calibration).join(Calibration.equipment),
    search=lambda q: Equipment.code.ilike(f"%{q}%") | Calibration.certificate_no.ilike(f"%{q}%"),
    detail=lambda c: [(_l("Equipment"), f"{c.equipment.code} {c.equipment.name}"),
                      (_l("Calibrated on"), c.calibrated_on), (_l("Valid until"), c.due_on),
                      (_l("Result"), RESULT_LABELS.get(c.result, c.result)),
                      (_l("Certificate number"), c.certificate_no), (_l("Performed by"), c.performed_by),
                      (_l("Notes"), c.notes)],
    label=lambda c: f"{c.equipment.code} {c.calibrated_on}", form_setup=_calibration_setup,
).register(bp)


# --- evidence pack --------------------------------------------------------------------------------


@bp.route("/evidence-pack")
@require("certification.assess")
def evidence_pack():
    try:
        year = int(request.args.get("year", today().year))
    except ValueError:
        year = today().year
    year = min(max(year, 2000), 2100)
    data = pack.build(year)
    return render_template("certification/pack.html", data=data, year=year, statuses=PACK_STATUS,
                           english=_english(), years=list(range(today().year, today().year - 6, -1)))

