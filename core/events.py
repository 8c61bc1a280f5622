"""Domain events fired after the transaction commits (and dropped on rollback).

``emit("rma_state_changed", rma=..., ...)`` queues a call of that hook on the session.
When the transaction commits the queue becomes ready, and ``commit()`` (or, at the
latest, the end of the request) calls each hook in order. SQLAlchemy forbids SQL inside
its own ``after_commit`` event, so listeners run just after it, in a fresh transaction:
a listener that writes calls ``core.events.commit()`` itself.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING = "aftersales_pending_events"
_READY = "aftersales_ready_events"


def emit(hook_name: str, **kwargs) -> None:
    from core.extensions import db

    db.session().info.setdefault(_PENDING, []).append((hook_name, kwargs))


def commit() -> None:
    """Commit the current transaction, then fire the events it carried."""
    from core.extensions import db

    db.session.commit()
    fire_ready()


def fire_ready() -> None:
    from core.extensions import db

    session = db.session()
    while session.info.get(_READY):
        hook_name, kwargs = session.info[_READY].pop(0)
        pm = current_app.extensions["aftersales"].pm
        getattr(pm.hook, hook_name)(**kwargs)


@event.listens_for(Session, "after_commit")
def _ready(session):
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_READY, []).extend(pending)


@event.listens_for(Session, "after_soft_rollback")
def _drop(session, previous_transaction):
    session.info.pop(_PENDING, None)
