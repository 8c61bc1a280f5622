"""One behaviour for a page whose form a service refused, and one shape for a page that submits a form.

``place_form_errors`` puts a ``DomainError``'s field map on a WTForms form; ``form_action`` runs the
whole submit cycle (validate → service → commit → flash → redirect; refused → rollback, errors on
the form, the page again with 422). Both are in the toolkit; ``Crud`` uses them too.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_babel import gettext as _
from wtforms import Field, FieldList, FormField

from core.errors import DomainError


def _field(form, key: str, aliases: dict | None):
    """The field ``key`` names on ``form`` and the part of the key it did not consume:
    ``lines.0.qty`` walks into a FieldList entry's field; a key that goes deeper than the form
    (``lines.2.sku`` on a text area) stops at the deepest field it reached."""
    for prefix in sorted(aliases or (), key=len, reverse=True):
        if key == prefix or key.startswith(prefix + "."):
            key = aliases[prefix] + key[len(prefix):]
            break
    node, reached, rest = form, None, key.split(".")
    while rest:
        part = rest[0]
        if isinstance(node, FieldList):
            if not (part.isdigit() and int(part) < len(node.entries)):
                break
            child = node.entries[int(part)]
        elif isinstance(node, FormField):
            child = getattr(node.form, part, None)
        elif node is form:
            child = getattr(form, part, None)
        else:
            break
        if not isinstance(child, Field):
            break
        node, reached, rest = child, child, rest[1:]
    return reached, rest


def _where(rest: list[str]) -> str | None:
    """What is left of a key once its field was found, as a reader says it (``2`` → "Row 3")."""
    if rest and rest[0].isdigit():
        return _("Row %(row)s", row=int(rest[0]) + 1)
    return None


def place_form_errors(form, exc: DomainError, aliases: dict | None = None) -> bool:
    """A refused action's field map on a WTForms form, so that nothing the service said is lost.

    Each message goes under the field its key names when the form has it: ``qty``, a nested
    ``lines.0.qty`` (that FieldList entry's field), a FieldList itself (``lines``); a key deeper
    than the form (``lines.2.sku`` on a text area) lands on the deepest field it names, prefixed
    "Row 3: …". ``aliases`` renames key prefixes first (``{"carrier_signature.signed_at":
    "signed_at"}``). A message no field takes is flashed (in the user's language, without the
    API's key) together with the error's own message; when a field took one, "Please correct
    the errors below." is flashed. Returns whether any message was placed."""
    placed, unplaced = False, []
    for key, message in (exc.fields or {}).items():
        target, rest = _field(form, key, aliases) if form is not None else (None, [])
        if target is None:
            unplaced.append(str(message))
            continue
        where = _where(rest)
        text = _("%(where)s: %(message)s", where=where, message=message) if where else message
        errors = target.errors
        target.errors = (list(errors) if isinstance(errors, (list, tuple)) else []) + [text]
        placed = True
    texts = ([str(exc.message)] if unplaced or not placed else []) + unplaced
    if placed:
        texts.append(_("Please correct the errors below."))
    for text in dict.fromkeys(t for t in texts if t):
        flash(text, "danger")
    return placed


def form_action(form, run, redirect_to, render, success=None):
    """The one shape of a page that submits ``form`` to a service.

    On a valid POST: ``run()`` calls the service (and returns its record), the transaction is
    committed (events fire after it), ``success`` (a message, or ``success(result)``) is flashed
    and the browser goes to ``redirect_to`` (a URL, or ``redirect_to(result)``). A ``DomainError``
    rolls the transaction back: 403 aborts; otherwise its field map goes on the form
    (``place_form_errors``) and the page comes again through ``render(status)`` with 409 for a
    conflict (a stale version), else 422. An invalid POST re-renders with 422, a GET with 200.
    ``render`` reloads what it shows: after a rollback the session's objects are expired."""
    from core.events import commit
    from core.extensions import db

    if form.validate_on_submit():
        try:
            result = run()
            commit()
        except DomainError as exc:
            db.session.rollback()
            if exc.status == 403:
                abort(403)
            place_form_errors(form, exc)
            return render(409 if exc.status == 409 else 422)
        if success is not None:
            flash(success(result) if callable(success) else success, "success")
        return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
    return render(422 if request.method == "POST" else 200)
