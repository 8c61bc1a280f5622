"""The demo data (``aftersales demo``) with each listed table's rows copied until a page of 50 is full:
what every plugin's list page and its API twin are measured on (``profile_list_pages.py``,
``test_plugin_list_page_budgets.py``). The same user (the demo administrator) asks both.
"""
from sqlalchemy import String, insert, select

from core.extensions import db

# (name, HTML page, API twin, the table whose rows the page lists: filled to 60 rows)
PAIRS = [
    ("activity", "/activity", None, "core_activity"),  # no API twin: the API reads one record's log
    ("audit_templates", "/audit/templates/", "/api/v1/audit-checklist-templates", "audit_checklist_template"),
    ("audit_audits", "/audit/audits/", "/api/v1/audits", "audit_audit"),
    ("audit_ncs", "/audit/nonconformities/", "/api/v1/nonconformities", "audit_nonconformity"),
    ("audit_actions", "/audit/actions/", "/api/v1/corrective-actions", "audit_corrective_action"),
    ("audit_improvements", "/audit/improvements/", "/api/v1/improvements", "audit_improvement"),
    ("audit_reviews", "/audit/reviews/", "/api/v1/management-reviews", "audit_management_review"),
    ("cert_documents", "/certification/documents/", "/api/v1/documents", "certification_document"),
    ("cert_training", "/certification/training/", "/api/v1/training-records", "certification_training"),
    ("cert_equipment", "/certification/equipment/", "/api/v1/equipment", "certification_equipment"),
    ("cert_calibrations", "/certification/calibrations/", "/api/v1/calibrations", "certification_calibration"),
    ("dealers_status_changes", "/dealers/status-changes/", "/api/v1/dealer-status-changes", "dealers_status_change"),
    ("logistics", "/logistics/", "/api/v1/logistics-exceptions", "logistics_exception"),
    ("logistics_queue", "/logistics/queue", "/api/v1/logistics-exceptions?state=filed", "logistics_exception"),
    ("service", "/service/", "/api/v1/service-requests", "service_request"),
    ("spares_obligations", "/spares/obligations/", "/api/v1/spare-obligations", "spares_obligation"),
    ("spares_reports", "/spares/reports/", "/api/v1/spare-stock-reports", "spares_stock_report"),
    ("spares_applications", "/spares/applications/", "/api/v1/spare-applications", "spares_application"),
    ("spares_movements", "/spares/movements/", "/api/v1/spare-movements", "spares_movement"),
    ("sup_complaints", "/supervision/complaints", "/api/v1/complaints", "supervision_complaint"),
    ("sup_jobs", "/supervision/jobs", "/api/v1/service-jobs", "supervision_job"),
    ("sup_assessments", "/supervision/assessments", "/api/v1/monthly-assessments", None),  # one per month and department
    ("sup_inspections", "/supervision/inspections", "/api/v1/inspections", "supervision_inspection"),
    ("sup_templates", "/supervision/checklist-templates", "/api/v1/checklist-templates", "supervision_checklist_template"),
    ("sup_visits", "/supervision/visits", "/api/v1/customer-visits", "supervision_customer_visit"),
    ("sup_suggestions", "/supervision/suggestions", "/api/v1/suggestions", "supervision_suggestion"),
]


def _unique_strings(table):
    """The string columns of ``table`` in a unique constraint or index (a copy needs new values)."""
    names = set()
    for c in table.columns:
        if c.unique:
            names.add(c.name)
    for constraint in list(table.constraints) + list(table.indexes):
        if getattr(constraint, "unique", True) and constraint.__class__.__name__ != "ForeignKeyConstraint" \
                and constraint.__class__.__name__ != "CheckConstraint":
            names.update(c.name for c in constraint.columns)
    return {n for n in names if isinstance(table.c[n].type, String)}


def fill(table_name, wanted=60):
    """Copies of ``table_name``'s rows (unique strings suffixed) until it holds ``wanted``."""
    table = db.metadata.tables[table_name]
    rows = db.session.execute(select(table)).mappings().all()
    if not rows:
        return 0
    unique = _unique_strings(table)
    n, k = len(rows), 0
    while n < wanted:
        k += 1
        for row in rows:
            values = {key: v for key, v in row.items() if key != "id"}
            for name in unique:
                if values.get(name) is not None:
                    length = table.c[name].type.length
                    values[name] = (f"{values[name]}-{k}")[-length:] if length else f"{values[name]}-{k}"
            try:
                with db.session.begin_nested():
                    db.session.execute(insert(table).values(values))
                n += 1
            except Exception:  # another unique constraint (not a string): fewer rows
                pass
            if n >= wanted:
                break
        if k > 60:
            break
    db.session.commit()
    return n


def load(app):
    """The demo data, each listed table filled to 60 rows; the demo administrator."""
    from core.cli import load_demo_data
    from core.users.models import User

    app.config["API_VALIDATE_RESPONSES"] = False  # as in production
    load_demo_data()
    for table in sorted({p[3] for p in PAIRS if p[3]}):
        fill(table)
    return db.session.scalar(select(User).where(User.username == "admin"))
