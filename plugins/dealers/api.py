"""JSON API: dealer-classifications, dealer-contacts, dealer-contact-schedule, dealer-status-changes,
dealer-scorecards (paths and field names are a contract)."""
from __future__ import annotations


from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user

from core.toolkit import BadRequest, attachment_response, db, events, paginate, route
from plugins.dealers import services
from plugins.dealers.schemas import (DealersClassificationIn, DealersContactIn, DealersClassificationOut, DealersClassificationQuery,
                                     DealersContactOut, DealersContactQuery, DealersEvidenceOut, DealersPortalOut, DealersScheduleOut,
                                     DealersScheduleQuery, DealersScorecardOut, DealersScorecardQuery,
                                     DealersStatusActionIn, DealersStatusChangeOut, DealersStatusChangeQuery,
                                     DealersStatusChangeIn)

bp = Blueprint("dealers_api", __name__)
TAG = "dealers"


def _page(rows: list, query) -> dict:
    start = (query.page - 1) * query.per_page
    total = len(rows)
    return {"items": rows[start:start + query.per_page], "total": total, "page": query.page,
            "per_page": query.per_page, "pages": -(-total // query.per_page) if total else 0}


# --- classification ---------------------------------------------------------------------------


@route(bp, "/dealer-classifications", query=DealersClassificationQuery, response=DealersClassificationOut, many=True,
       permission="dealers.view", tag=TAG)
def list_classifications(query: DealersClassificationQuery):
    """The classification history (newest first), filtered by dealer_code, abc_class, region."""
    stmt = services.classifications_stmt(current_user, query.dealer_code, query.abc_class, query.region)
    return paginate(stmt, query, services.serialize_classification)


@route(bp, "/dealer-classifications", ["POST"], body=DealersClassificationIn, response=DealersClassificationOut, status=201,
       permission="dealers.classify", tag=TAG)
def create_classification(body: DealersClassificationIn):
    """Set a dealer's ABC class with a reason; its next contact is due by the new class's interval."""
    record = services.classify(body, current_user)
    events.commit()
    return services.serialize_classification(record)


# --- contacts -----------------------------------------------------------------------------------


@route(bp, "/dealer-contacts", query=DealersContactQuery, response=DealersContactOut, many=True,
       permission="dealers.view", tag=TAG)
def list_contacts(query: DealersContactQuery):
    """Contacts with dealers (visit, phone, letter, card, meeting), newest first."""
    from plugins.dealers.models import Contact

    stmt = services.contacts_stmt(current_user, query.dealer_code, query.kind, query.by, query.date_from,
                                  query.date_to, query.q)
    order = Contact.contacted_on.desc() if query.sort.startswith("-") else Contact.contacted_on.asc()
    return paginate(stmt.order_by(order, Contact.id.desc()), query, services.serialize_contact)


@route(bp, "/dealer-contacts", ["POST"], body=DealersContactIn, response=DealersContactOut, status=201,
       permission="dealers.contact", tag=TAG)
def create_contact(body: DealersContactIn):
    """Record a contact; ``by`` defaults to the caller."""
    contact = services.create_contact(body, current_user)
    events.commit()
    return services.serialize_contact(contact)


@route(bp, "/dealer-contacts/<int:contact_id>", response=DealersContactOut, permission="dealers.view", tag=TAG)
def get_contact(contact_id: int):
    """One contact (404 outside the caller's scope)."""
    return services.serialize_contact(services.get_contact(contact_id))


@route(bp, "/dealer-contacts/<int:contact_id>", ["DELETE"], status=204, permission="dealers.contact", tag=TAG)
def delete_contact(contact_id: int):
    """Delete a contact recorded by mistake (its author or an administrator)."""
    services.delete_contact(services.get_contact(contact_id), current_user)
    events.commit()
    return "", 204


@route(bp, "/dealer-contact-schedule", query=DealersScheduleQuery, response=DealersScheduleOut, many=True,
       permission="dealers.view", tag=TAG)
def contact_schedule(query: DealersScheduleQuery):
    """Every visible dealer with its last contact, next due date and days overdue (filters region, class,
    overdue), soonest due first."""
    rows = services.schedule(current_user, query.region, query.abc_class, query.overdue, query.dealer_code)
    rows = services.sort_schedule(rows, query.sort)
    return _page([services.serialize_schedule_row(r) for r in rows], query)


# --- qualification --------------------------------------------------------------------------------


def _change_out(record):
    return services.serialize_status_change(record, current_user)


@route(bp, "/dealer-status-changes", query=DealersStatusChangeQuery, response=DealersStatusChangeOut, many=True,
       permission="dealers.view", tag=TAG)
def list_status_changes(query: DealersStatusChangeQuery):
    """Proposed, decided, confirmed and rejected status changes, newest first."""
    from plugins.dealers.models import StatusChange

    holder = {}
    stmt = services.status_changes_stmt(current_user, query.dealer_code, query.state, query.to_status)
    return paginate(stmt.order_by(StatusChange.id.desc()), query,
                    lambda r: services.serialize_status_change(r, current_user, holder.get(r.id, [])),
                    loader=lambda rows: holder.update(services.evidence_by_change([r.id for r in rows])))


@route(bp, "/dealer-status-changes", ["POST"], body=DealersStatusChangeIn, response=DealersStatusChangeOut, status=201,
       permission="dealers.propose_status", tag=TAG)
def create_status_change(body: DealersStatusChangeIn):
    """Propose a status change (regional manager); it takes effect once decided (a disqualification once confirmed)."""
    record = services.propose_status_change(body, current_user)
    events.commit()
    return _change_out(record)


@route(bp, "/dealer-status-changes/<int:change_id>", response=DealersStatusChangeOut, permission="dealers.view", tag=TAG)
def get_status_change(change_id: int):
    """One status change."""
    return _change_out(services.get_status_change(change_id))


def _act(change_id: int, action: str, body: DealersStatusActionIn):
    record = services.get_status_change(change_id)
    services.run_action(record, action, current_user, body.version, body.note)
    events.commit()
    return _change_out(record)


@route(bp, "/dealer-status-changes/<int:change_id>/decide", ["POST"], body=DealersStatusActionIn,
       response=DealersStatusChangeOut, permission="dealers.view", tag=TAG)
def decide_status_change(change_id: int, body: DealersStatusActionIn):
    """The order department decides (needs evidence); the status changes now, except a disqualification."""
    return _act(change_id, "decide", body)


@route(bp, "/dealer-status-changes/<int:change_id>/confirm", ["POST"], body=DealersStatusActionIn,
       response=DealersStatusChangeOut, permission="dealers.view", tag=TAG)
def confirm_status_change(change_id: int, body: DealersStatusActionIn):
    """An administrator confirms a decided disqualification; the dealer is disqualified now."""
    return _act(change_id, "confirm", body)


@route(bp, "/dealer-status-changes/<int:change_id>/reject", ["POST"], body=DealersStatusActionIn,
       response=DealersStatusChangeOut, permission="dealers.view", tag=TAG)
def reject_status_change(change_id: int, body: DealersStatusActionIn):
    """Reject a proposal (order department) or a decided disqualification (administrator), with a ``note``."""
    return _act(change_id, "reject", body)


@route(bp, "/dealer-status-changes/<int:change_id>/attachments", ["POST"], response=DealersEvidenceOut, status=201,
       permission="dealers.view", tag=TAG, summary="Upload evidence (multipart: file) while the change is proposed")
def upload_evidence(change_id: int):
    record = services.get_status_change(change_id)
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest(_("send the file as multipart/form-data field 'file'"), {"file": _("required")},
                         code="malformed")
    att = services.add_evidence(record, upload.filename or "file", upload.read(), current_user)
    events.commit()
    return services.serialize_status_change(record, current_user, [att])["attachments"][0]


@route(bp, "/dealer-status-changes/<int:change_id>/attachments/<int:attachment_id>", permission="dealers.view",
       tag=TAG, content_type="application/octet-stream")
def get_evidence(change_id: int, attachment_id: int):
    """The evidence file itself."""
    return attachment_response(services.get_evidence(services.get_status_change(change_id), attachment_id))


# --- the portal --------------------------------------------------------------------------------


@route(bp, "/dealer-portal", response=DealersPortalOut, permission="dealers.portal", tag=TAG)
def portal():
    """The caller's open items from every enabled plugin (an agent: also each distributor's), and its unread count."""
    from core.toolkit import unread_count

    def section(s):
        return {"key": s["key"], "title": str(s["title"]), "count": int(s["count"]), "url": s.get("url"),
                "order": int(s.get("order", 100)),
                "items": [{"label": str(i["label"]), "url": i.get("url"),
                           "due_on": i["due_on"].isoformat() if i.get("due_on") else None} for i in s["items"]]}

    return {"dealers": [{"dealer_code": d.code, "dealer_name": d.name, "status": d.status,
                         "sections": [section(s) for s in services.portal_sections(d, current_user)]}
                        for d in services.portal_dealers(current_user)],
            "unread_notifications": unread_count(current_user)}


# --- scorecards -----------------------------------------------------------------------------------


@route(bp, "/dealer-scorecards", query=DealersScorecardQuery, response=DealersScorecardOut, many=True,
       permission="dealers.view", tag=TAG)
def list_scorecards(query: DealersScorecardQuery):
    """Every visible dealer's figures over period_from..period_to (default: the last
    ``dealers.scorecard_default_days`` days); ``figures`` names each figure and its direction."""
    period_from, period_to = services.check_period(query.period_from, query.period_to)
    dealers = services.scorecard_dealers(current_user, query.region, query.abc_class, query.dealer_code)
    start = (query.page - 1) * query.per_page
    page = dealers[start:start + query.per_page]
    figures, values = services.scorecards(page, period_from, period_to)
    out = _page([None] * len(dealers), query)
    out["items"] = [{"dealer_code": d.code, "dealer_name": d.name, "region_code": d.region.code if d.region else None,
                     "abc_class": d.abc_class, "status": d.status, "figures": values.get(d.id, {})} for d in page]
    out.update({"figures": figures, "period_from": period_from.isoformat(), "period_to": period_to.isoformat()})
    return out


__all__ = ["bp", "db"]
