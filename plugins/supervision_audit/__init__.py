"""Link between supervision and audit: a public suggestion supervision takes as an improvement
is proposed as an improvement record (origin ``suggestion``) in the audit plugin, in the same
transaction. Complaints and inspections raise nonconformities through audit's own hook
(``audit_nonconformity_sources``, implemented by supervision). Hookimpls only."""
from __future__ import annotations

from core.toolkit import hookimpl


@hookimpl
def supervision_suggestion_improvement(supervision_suggestion, note, actor):
    from plugins.supervision_audit.services import improvement_from_suggestion

    return improvement_from_suggestion(supervision_suggestion, note, actor)


@hookimpl(optionalhook=True)
def certification_evidence(criterion_code, period_from, period_to):
    from plugins.supervision_audit.services import evidence

    return evidence(criterion_code, period_from, period_to)
