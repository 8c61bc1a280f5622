"""Functions other plugins (certification, supervision, link plugins) call to feed the audit loop.

They run inside the caller's transaction (no commit here: the caller commits, so the
record and the nonconformity/improvement land together) and return the created record.
Users are ``User`` objects or usernames.
"""
from __future__ import annotations


def raise_nonconformity(*, title, description, severity, department, source, source_model=None,
                        source_id=None, owner=None, actor, due_on=None):
    """Create a nonconformity (state ``open``, number ``NC-YYYY-NNNN``) and return it.

    ``severity``: ``major``/``minor``/``observation``; ``department``: a head-office
    department role id or a dealer code; ``source``: ``audit``, ``complaint``,
    ``inspection``, ``rma``, ``management_review``, ``self_assessment`` or ``other``;
    ``source_model``/``source_id`` link back to the originating record (table name, id).
    ``owner`` (User or username) is notified; ``actor`` is recorded as ``raised_by``.
    Raises ``ValidationError`` (422) on bad input.
    """
    from plugins.audit import services

    return services.create_nonconformity(
        dict(title=title, description=description, severity=severity, department=department,
             source=source, source_model=source_model, source_id=source_id,
             owner=getattr(owner, "username", owner), due_on=due_on),
        actor, check_source=False, commit=False)


def propose_improvement(*, title, description, origin, owner=None, actor, link=None):
    """Create an improvement record (state ``proposed``, number ``IMP-YYYY-NNN``) and return it.

    ``origin``: ``nonconformity``, ``management_review``, ``complaint_trend``,
    ``suggestion``, ``self_assessment`` or ``other``; ``link``: free text or a URL to the
    originating record. ``owner`` (User or username) defaults to ``actor``.
    """
    from plugins.audit import services

    return services.create_improvement(
        dict(title=title, description=description, origin=origin,
             owner=getattr(owner, "username", owner) or actor.username, link=link),
        actor, commit=False)


# Read-only models other plugins may count (certification's evidence): query them, change them
# only through this plugin's services.
from plugins.audit.models import Audit, Improvement, ManagementReview, Nonconformity  # noqa: E402,F401
