"""One declarative state machine for every document type.

A workflow is data: states, and transitions naming their source states, target state,
the permission they need and optional guards. :meth:`Workflow.apply` checks all of it,
checks the caller's ``version`` (optimistic locking: a stale one is a 409), moves the
state, appends the activity entry and queues the after-commit event.

A transition is checked once per request: inside :func:`checking_once` (which the generated
routes of :mod:`core.workflow_routes` open), a check that passed for a record is not run again
by the service's own ``check`` or by ``apply`` while the record's state and version are unchanged.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
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
    permission: str | None  # None: no permission of its own, its role_guards decide who may (403)
    # guard(record, actor, **kwargs) raises a DomainError (or returns a message) to refuse
    guards: tuple[Callable, ...] = ()
    label: object = None
    activity: str | None = None  # the activity entry's action id (default: the transition's name)
    illegal: object = None  # the (translatable) message when the record's state does not allow it
    message: object = None  # the (translatable) message a page flashes once it is done (default: "Done: <label>.")
    # role_guards(record, actor) decide who may (403), checked with the permission, before the version and state
    role_guards: tuple[Callable, ...] = ()


_CHECKED: ContextVar[dict | None] = ContextVar("workflow_checked", default=None)


@contextmanager
def checking_once():
    """Within this block each transition is checked once per record (see the module docstring)."""
    token = _CHECKED.set({})
    try:
        yield
    finally:
        _CHECKED.reset(token)


@dataclass
class Workflow:
    model: type
    states: tuple[str, ...]
    transitions: tuple[Transition, ...]
    state_attr: str = "state"
    event: str | None = None  # hook fired after commit: event(record, old_state, new_state, actor)
    event_arg: str | None = None  # the record's argument name in ``event`` (default: the hook's prefix)
    # the workflow's own (translatable) words for a refused role, a stale version and a wrong state
    forbidden: object = None
    stale: object = None
    illegal: object = None
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
        return [t for t in self.transitions if state in t.sources and (t.permission is None or user.can(t.permission))]

    def _stamps(self, record, name: str) -> dict | None:
        memo = _CHECKED.get()
        return None if memo is None else memo.setdefault((id(self), id(record), name), {})

    def check_access(self, record, name: str, actor, version: int | None = None) -> Transition:
        """Permission and role guards (403), then version (409 ``stale_version``) and state (409
        ``illegal_transition``): what is known before a request's body is read."""
        t = self.transition(name)
        stamps = self._stamps(record, name)
        state = getattr(record, self.state_attr)
        mark = (state, record.version, version, getattr(actor, "id", None))
        if stamps is not None and stamps.get("access") == mark:
            return t
        if t.permission is not None and not actor.can(t.permission):
            raise PermissionDenied(str(self.forbidden) if self.forbidden else
                                   _("you may not %(name)s this record", name=name), code="forbidden")
        for guard in t.role_guards:
            guard(record, actor)
        if version is not None and int(version) != record.version:
            raise Conflict(str(self.stale) if self.stale else
                           _("stale version %(version)s; current is %(record_version)s", version=version,
                             record_version=record.version), code="stale_version")
        if state not in t.sources:
            illegal = t.illegal or self.illegal
            raise Conflict(str(illegal) if illegal else
                           _("cannot %(name)s a record in state %(state)r", name=name, state=state),
                           code="illegal_transition")
        if stamps is not None:
            stamps["access"] = mark
        return t

    def check(self, record, name: str, actor, version: int | None = None, **kwargs) -> Transition:
        t = self.check_access(record, name, actor, version)
        stamps = self._stamps(record, name)
        mark = (getattr(record, self.state_attr), record.version, getattr(actor, "id", None), kwargs)
        if stamps is not None and stamps.get("guards") == mark:
            return t
        for guard in t.guards:
            message = guard(record, actor, **kwargs)
            if message:
                raise Conflict(str(message), code="guard_failed")
        if stamps is not None:
            stamps["guards"] = mark
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
