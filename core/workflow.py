"""One declarative state machine for every document type.

A workflow is data: states, and transitions naming their source states, target state,
the permission they need and optional guards. :meth:`Workflow.apply` checks all of it,
checks the caller's ``version`` (optimistic locking: a stale one is a 409), moves the
state, appends the activity entry and queues the after-commit event.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask_babel import gettext as _

from core import activity, events
from core.errors import Conflict, PermissionDenied


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    permission: str
    # guard(record, actor, **kwargs) raises a DomainError (or returns a message) to refuse
    guards: tuple[Callable, ...] = ()
    label: object = None
    activity: str | None = None  # the activity entry's action id (default: the transition's name)
    illegal: object = None  # the (translatable) message when the record's state does not allow it


@dataclass
class Workflow:
    model: type
    states: tuple[str, ...]
    transitions: tuple[Transition, ...]
    state_attr: str = "state"
    event: str | None = None  # hook fired after commit: event(record, old_state, new_state, actor)
    event_arg: str | None = None  # the record's argument name in ``event`` (default: the hook's prefix)
    _by_name: dict = field(init=False, repr=False)

    def __post_init__(self):
        self._by_name = {t.name: t for t in self.transitions}
        for t in self.transitions:
            unknown = set(t.sources + (t.target,)) - set(self.states)
            if unknown:
                raise ValueError(f"transition {t.name!r} names unknown states {unknown}")

    def transition(self, name: str) -> Transition:
        try:
            return self._by_name[name]
        except KeyError:
            raise Conflict(_("unknown action %(name)r", name=name), code="unknown_action") from None

    def allowed(self, record, user) -> list[Transition]:
        """Transitions open from the record's state that ``user`` holds the permission for."""
        state = getattr(record, self.state_attr)
        return [t for t in self.transitions if state in t.sources and user.can(t.permission)]

    def check(self, record, name: str, actor, version: int | None = None, **kwargs) -> Transition:
        t = self.transition(name)
        if not actor.can(t.permission):
            raise PermissionDenied(_("you may not %(name)s this record", name=name), code="forbidden")
        if version is not None and int(version) != record.version:
            raise Conflict(_("stale version %(version)s; current is %(record_version)s", version=version, record_version=record.version), code="stale_version")
        state = getattr(record, self.state_attr)
        if state not in t.sources:
            raise Conflict(str(t.illegal) if t.illegal else
                           _("cannot %(name)s a record in state %(state)r", name=name, state=state),
                           code="illegal_transition")
        for guard in t.guards:
            message = guard(record, actor, **kwargs)
            if message:
                raise Conflict(str(message), code="guard_failed")
        return t

    def apply(self, record, name: str, actor, version: int | None = None, comment: str = "",
              changes: dict | None = None, **kwargs) -> tuple[str, str]:
        """Move ``record`` through transition ``name``; return ``(old_state, new_state)``."""
        t = self.check(record, name, actor, version=version, **kwargs)
        old = getattr(record, self.state_attr)
        setattr(record, self.state_attr, t.target)
        all_changes = {self.state_attr: (old, t.target)}
        all_changes.update(changes or {})
        activity.log(record, t.activity or name, all_changes, comment=comment, actor=actor)
        if self.event:
            events.emit(self.event, **{self.event_arg or _event_arg(self.event): record, "old_state": old,
                                       "new_state": t.target, "actor": actor})
        return old, t.target


def _event_arg(event_name: str) -> str:
    """``rma_state_changed`` -> ``rma``: the record argument is named after the hook prefix."""
    return event_name.removesuffix("_state_changed")
