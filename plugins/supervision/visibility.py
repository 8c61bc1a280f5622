"""Who sees supervision's records outside their own pages (record rules: the core chatter, the
activity log), and how a secret inspection's chatter names its inspector.

The clauses are the pages' own (``services.assessment_clause``, ``services.inspection_clause``);
a signed-out caller sees nothing."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import false

from plugins.supervision import services


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def viewer_clause(user):
    """Complaints and follow-up jobs: every row for ``supervision.view`` holders, none for anyone else."""
    return None if _signed_in(user) and user.can("supervision.view") else false()


def assessment_clause(user):
    return services.assessment_clause(user) if _signed_in(user) else false()


def inspection_clause(user):
    return services.inspection_clause(user) if _signed_in(user) else false()


def inspector_name(record, reader) -> str:
    """How ``reader`` names an inspection's inspector: supervision reads who it was, everyone
    else a translated alias ("inspector #7")."""
    inspector = record.inspector
    alias = _("inspector #%(n)s", n=inspector.alias_number)
    if services.is_supervision(reader):
        user = inspector.user
        return f"{alias} · {user.display_name or user.username} ({user.username})"
    return alias


def chatter_author(record, user, reader):
    """The inspection's own inspector reads as ``inspector_name`` (the alias for everyone but
    supervision); every other author keeps their name (None)."""
    if record.inspector is None or user.id != record.inspector.user_id:
        return None
    return inspector_name(record, reader)
