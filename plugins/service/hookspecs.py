"""Hooks the service plugin offers to other plugins."""
from __future__ import annotations

from core.toolkit import hookspec


@hookspec
def service_job_completed(job):
    """Event, after commit: a service job was completed.

    Fired with ``events.emit("service_job_completed", job=...)`` when an on-site visit
    record completes (co-signed) or a service request is resolved; once per request: the
    first completed visit announces the job, and resolving a request that has no completed
    visit (a phone-only resolution) announces it then. Listeners run only once the
    transaction carrying the change has committed (never on rollback). A listener that
    writes must call ``core.events.commit()`` itself.

    ``job`` is a plain dict::

        {
            "source": "service",
            "reference": "SR-2026-000012",      # the service request's number
            "department": "customer_service",
            "completed_at": datetime,           # timezone-aware
            "customer_name": str,
            "customer_phone": str,
            "dealer_code": str | None,          # the filing dealer, if any
        }
    """


@hookspec
def service_request_taken_back(request, actor):
    """Event, after commit: the unit of service request ``request`` was taken back for repair.

    ``request`` is a :class:`plugins.service.models.ServiceRequest` in state ``taken_back``;
    ``actor`` the user who took it back. The filing dealer is notified; with rma enabled the
    ``service_rma`` link plugin offers that dealer a draft return for the unit (a return belongs
    to a dealer and only the dealer files it: ``POST /api/v1/service-requests/<id>/open-rma``).
    A listener that writes must call ``core.events.commit()`` itself.
    """


@hookspec
def service_visit_recorded(visit, actor):
    """In the transaction: an on-site visit record was just written (flushed, not committed).

    ``visit`` is a :class:`plugins.service.models.ServiceVisit`; ``visit.parts_used`` is the
    list of parts the technician used, ``[{"sku": str, "qty": int}]``, and ``visit.request``
    its service request. A listener may write in the same transaction (the ``service_spares``
    link plugin issues the parts from head-office stock) and refuse the whole record by raising
    a ``DomainError`` (``ValidationError`` with fields keyed ``parts_used.<i>.sku`` /
    ``parts_used.<i>.qty``, in the user's language): the caller rolls back and nothing of the
    visit is written. Without a listener the parts stay as typed.
    """


@hookspec
def service_visit_parts_issued(visit_ids):
    """The parts issued for the visits ``visit_ids`` (a list of ids), in one or two queries.

    Return ``{visit_id: [{"sku": str, "name": str, "qty": int, "movement_id": int,
    "balance_after": int, "reference": str, "issued_at": datetime}]}`` (an empty list for a
    visit that issued nothing; ``balance_after``, head office's stock level, is None for a reader
    outside head office). The visit's API response carries them as ``parts_issued`` and
    the visit pages show them; with no implementation ``parts_issued`` is ``null`` (parts are
    free text).
    """
