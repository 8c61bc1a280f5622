"""A workflow's actions declared once: the JSON route and the page's form handler.

``ACTIONS = TransitionRoutes(workflow=..., loader=load, actions=[Action(...)], serialize=...,
response=RmaOut, record_url=...)`` is declared once (in a module the API and the views both import);
``ACTIONS.api_routes(api_bp, "/rmas", permission="rma.view")`` adds ``POST
/api/v1/<resource>/<id>/<action-with-dashes>`` for each action through :func:`core.api.route`
(OpenAPI, permission metadata, the authorisation matrix), and ``ACTIONS.form_route(bp, rule, ...)``
or :meth:`TransitionRoutes.handle_form` (from a view of its own) serve the page's POST. Both run
the same steps, in this order:

1. ``loader(id)``: the record within the caller's scope (404 outside it);
2. ``workflow.check_access``: permission and role guards (403), version and state (409);
3. the body: the JSON body (400/422), or the form read by ``Action.form`` and validated
   with the same schema (422 with a field map);
4. ``Action.run(record, actor, body)``, the service call, inside :func:`checking_once`, so the
   service's own ``check``/``apply`` do not check the transition again;
5. one commit: the API answers from the session's state (flushed, serialized, then committed:
   no reload, and the commit expires nothing; :func:`refresh_references` first; with
   ``direct_write=(Model, ...)`` the changed rows of those models are written by Core statements,
   :func:`write_direct`, instead of the flush); the page flashes the transition's translated
   ``message`` and redirects to the record.

On a refusal the page rolls back, answers 403 with ``abort(403)``, and otherwise flashes the
message (the field map's messages first, without their keys) and redirects, or calls ``on_form_error``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pydantic
from flask_babel import gettext as _
from sqlalchemy import ClauseElement

from core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError
from core.workflow import Workflow, checking_once


@dataclass(frozen=True)
class Action:
    name: str  # the transition's name; the API path uses it with dashes (return_ship -> return-ship)
    body: type  # the pydantic schema of the JSON body (and of the form once read), with ``version``
    run: Callable  # run(record, actor, body): the service call
    doc: str = ""  # the OpenAPI summary
    # the transition checked before the body (or transition(record)); default ``name``; False: the service checks
    # everything itself (an action that is no transition of the workflow, e.g. recording a quote)
    transition: str | Callable | bool | None = None
    workflow: Workflow | None = None  # default: the declaration's workflow
    endpoint: str | None = None  # the API endpoint name; default ``<prefix>_<name>``
    permission: str | None = None  # the API route's declared permission; default the declaration's
    path: str | None = None  # the API path's last segment; default ``name`` with dashes
    message: object = None  # the page's success message; default the transition's ``message``
    form: Callable | None = None  # form(request.form, record) -> the body's fields (version excluded)
    # an action whose answer is another record (e.g. a suggestion turned into a complaint): the API answers
    # ``result(what run returned)`` as ``response`` with ``status``; the page redirects to ``redirect(returned)``
    result: Callable | None = None
    response: type | None = None
    status: int = 200
    redirect: Callable | None = None


def refresh_references(record) -> None:
    """Expire the loaded many-to-one references whose foreign key a service changed through its id
    (``record.owner_id = ...``): a flushed record then serializes what the commit makes durable."""
    from sqlalchemy import inspect

    state = inspect(record)
    loaded = state.dict
    stale = []
    for key, pairs in _references(state.mapper):
        if key not in loaded:
            continue
        target = loaded[key]
        for local, remote in pairs:
            if getattr(record, local) != (getattr(target, remote) if target is not None else None):
                stale.append(key)
                break
    if stale:
        from core.extensions import db

        db.session.expire(record, stale)


_REFERENCES: dict = {}  # mapper -> its many-to-one relationships: ((key, ((local attr, remote attr), ...)), ...)


def _references(mapper) -> tuple:
    """A mapper's many-to-one relationships with the attribute names of their column pairs, worked
    out once (every answer of a write checks them)."""
    refs = _REFERENCES.get(mapper)
    if refs is None:
        from sqlalchemy.orm import MANYTOONE

        refs = _REFERENCES[mapper] = tuple(
            (rel.key, tuple((mapper.get_property_by_column(local).key, rel.mapper.get_property_by_column(remote).key)
                            for local, remote in rel.local_remote_pairs))
            for rel in mapper.relationships if rel.direction is MANYTOONE)
    return refs


def raw_version():
    """A JSON body's ``version``, read before the body is validated (None when absent or not an int)."""
    from flask import request

    payload = request.get_json(silent=True) if request.is_json else None
    version = payload.get("version") if isinstance(payload, dict) else None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def _form_version():
    from flask import request

    value = request.form.get("version", "").strip()
    return int(value) if value.isdigit() else None


def _default_form(form, record) -> dict:
    return {k: v.strip() for k, v in form.items() if k not in ("version", "csrf_token", "id", "decision")}


def commit_or_conflict(flush_only: bool = False) -> None:
    """One commit per action (or only the flush); a concurrent writer that won first turns ours into a 409."""
    from sqlalchemy.orm.exc import StaleDataError

    from core import events
    from core.extensions import db

    try:
        db.session.flush() if flush_only else events.commit()
    except StaleDataError:
        raise _stale() from None


def flushed_answer(record, serialize: Callable, direct: tuple = ()):
    """The response of a write from the session's own state once flushed (what the commit makes
    durable; references set through their ids refreshed), then the commit (:func:`_commit_answered`):
    no reload after it.
    ``direct``: the models whose changed rows :func:`write_direct` writes first (the record's among
    them); what it cannot write, by the unit of work."""
    if not (direct and write_direct(record, direct)):
        commit_or_conflict(flush_only=True)
    refresh_references(record)
    data = serialize(record)
    _commit_answered()
    return data


def _commit_answered() -> None:
    """The commit after the answer is built: :func:`commit_or_conflict` without expiring the
    session's objects (nothing of the request reads them again but the events fired after the
    commit, which read the values just written: what the commit made durable). The expiry of
    every loaded object (the return, its lines, products, dealers) was a tenth of a transition's
    calls after its statements."""
    from sqlalchemy.orm.exc import StaleDataError

    from core import events
    from core.extensions import db

    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    except StaleDataError:
        raise _stale() from None
    finally:
        session.expire_on_commit = expire
    events.fire_ready()


def _stale() -> Conflict:
    from core.extensions import db

    db.session.rollback()
    return Conflict(_("the record was changed by someone else; reload it"), code="stale_version")


_UPDATES: dict = {}  # (table, columns, version column) -> the UPDATE statement, built once


def _update_stmt(table, keys: tuple, version_col):
    stmt = _UPDATES.get((table, keys, version_col))
    if stmt is None:
        from sqlalchemy import bindparam, update

        pk = table.primary_key.columns.values()[0]
        stmt = update(table).where(pk == bindparam("_pk"))
        if version_col is not None:
            stmt = stmt.where(version_col == bindparam("_version"))
        stmt = _UPDATES[(table, keys, version_col)] = stmt.values({k: bindparam(k) for k in keys})
    return stmt


def _column_changes(state) -> list | None:
    """``[(column name, value)]`` of a persistent object's changed columns (its own single table),
    with its Python ``onupdate`` columns; None when the unit of work is needed (a relationship or a
    mutable value changed, an inherited or multi-column mapping, a server-side default)."""
    mapper = state.mapper
    table = mapper.local_table
    if state.key is None or mapper.inherits is not None or len(mapper.tables) != 1 \
            or getattr(state, "_pending_mutations", None) or len(table.primary_key.columns) != 1:
        return None
    changes, dict_, manager = [], state.dict, state.manager
    for key, original in state.committed_state.items():
        prop = mapper.attrs.get(key)
        columns = getattr(prop, "columns", None)
        if columns is None or len(columns) != 1 or columns[0].table is not table or key not in dict_ \
                or columns[0] is mapper.version_id_col or columns[0].primary_key:
            return None
        value = dict_[key]
        if hasattr(value, "__clause_element__") or isinstance(value, ClauseElement):
            return None
        if manager[key].impl.is_equal(value, original) is not True:  # as the flush: set to its own value is no change
            changes.append((columns[0], value))
    if not changes:
        return changes
    written = {c for c, _v in changes}
    for column in table.columns:
        default = column.onupdate
        if default is None or column in written:
            continue
        if not getattr(default, "is_callable", False) or column.server_onupdate is not None:
            return None
        changes.append((column, default.arg(None)))
    return changes


def write_direct(record, models: tuple) -> bool:
    """Write ``record``'s changes (a versioned record: ``UPDATE .. WHERE id AND version``, 409
    ``stale_version`` when another writer won) and then its session's other changed rows (grouped:
    one executemany UPDATE per table and set of columns) with Core statements, built once, instead
    of the unit of work (a flush weighs as much as the rest of a transition). Each row is then
    clean in the session, as after a flush. False (nothing written) when the session holds
    something only the unit of work writes: new or deleted objects, a relationship or mutable value
    changed, a versioned row other than ``record``, a changed row of a model not in ``models``
    (session listeners that watch other models, e.g. the auth version's or the spares summary's,
    see only what a flush writes); the caller flushes then."""
    from sqlalchemy import inspect

    from core.extensions import db

    session = db.session()
    if session._new or session._deleted:
        return False
    record_state = inspect(record)
    plans, groups, clean = [], {}, []
    for state in list(session.identity_map._modified):
        if not state.modified:
            continue
        if state.class_ not in models:
            return False
        changes = _column_changes(state)
        mapper = state.mapper
        version_col = mapper.version_id_col
        if changes is None or (version_col is not None and (state is not record_state
                                                            or mapper.version_id_generator is False)):
            return False
        clean.append(state)
        if not changes:
            continue
        plans.append((state, changes))
        if state is not record_state:
            keys = tuple(sorted(c.key for c, _v in changes))
            groups.setdefault((mapper.local_table, keys), []).append((state, changes))
    connection = session.connection() if plans else None
    if any(state is record_state for state, _c in plans):
        changes = dict(next(c for state, c in plans if state is record_state))
        mapper = record_state.mapper
        version_col = mapper.version_id_col
        params = {c.key: v for c, v in changes.items()}
        params["_pk"] = mapper.primary_key_from_instance(record)[0]
        if version_col is not None:
            version_key = mapper.get_property_by_column(version_col).key
            old_version = record_state.dict[version_key]
            params["_version"] = old_version
            params[version_col.key] = mapper.version_id_generator(old_version)
        stmt = _update_stmt(mapper.local_table, tuple(sorted(params.keys() - {"_pk", "_version"})), version_col)
        if connection.execute(stmt, params).rowcount != 1:
            raise _stale()
        for column, value in changes.items():
            record_state.dict[mapper.get_property_by_column(column).key] = value
        if version_col is not None:
            record_state.dict[version_key] = params[version_col.key]
    for (table, keys), rows in groups.items():
        params = []
        for state, changes in rows:
            row = {c.key: v for c, v in changes}
            row["_pk"] = state.mapper.primary_key_from_instance(state.obj())[0]
            params.append(row)
            for column, value in changes:
                state.dict[state.mapper.get_property_by_column(column).key] = value
        connection.execute(_update_stmt(table, keys, None), params)
    for state in clean:
        state._commit_all(state.dict, session.identity_map)
    return True


class TransitionRoutes:
    """See the module docstring."""

    def __init__(self, *, workflow: Workflow, loader: Callable, actions, serialize: Callable, response: type,
                 record_url: Callable | None = None, keep_on: tuple = (), on_form_error: Callable | None = None,
                 direct_write: tuple = ()):
        self.workflow, self.loader, self.serialize, self.response = workflow, loader, serialize, response
        # the models whose rows the API's writes change through write_direct (see flushed_answer): only
        # models no session listener watches (those see only what the unit of work flushes)
        self.direct_write = tuple(direct_write)
        self.actions = {a.name: a for a in actions}
        self.record_url, self.keep_on, self.on_form_error = record_url, keep_on, on_form_error

    def api_routes(self, api_bp, resource: str, *, permission: str, tag: str | None = None, id_arg: str = "record_id",
                   prefix: str | None = None) -> None:
        """``POST /api/v1/<resource>/<id>/<action-with-dashes>`` for each action, named ``<prefix>_<action>``
        (prefix: the blueprint's plugin id) unless the action names its endpoint."""
        prefix = prefix or api_bp.name.removesuffix("_api")
        for action in self.actions.values():
            segment = action.path or action.name.replace("_", "-")
            self._api_route(api_bp, action, f"{resource}/<int:{id_arg}>/{segment}",
                            id_arg, action.permission or permission, tag, action.endpoint or f"{prefix}_{action.name}")

    def form_route(self, bp, rule: str, *, endpoint: str, permission: str, id_arg: str = "record_id") -> None:
        """The page's POST at ``rule`` (with ``<int:id_arg>`` and ``<action>``), behind ``require(permission)``."""
        from core.security import require

        def view(**kwargs):
            return self.handle_form(kwargs[id_arg], kwargs["action"])
        view.__name__ = endpoint
        bp.add_url_rule(rule, endpoint=endpoint, view_func=require(permission)(view), methods=["POST"])

    # --- the steps both routes share -------------------------------------------------

    def action(self, name: str) -> Action:
        try:
            return self.actions[name]
        except KeyError:
            raise NotFound(_("unknown action %(action)r", action=name)) from None

    @staticmethod
    def _transition(record, action: Action) -> str | None:
        if action.transition is False:
            return None
        return action.transition(record) if callable(action.transition) else (action.transition or action.name)

    def check(self, record, action: Action, actor, version) -> None:
        """Step 2: permission, role, version and state, before the body is looked at."""
        name = self._transition(record, action)
        if name is not None:
            (action.workflow or self.workflow).check_access(record, name, actor, version)

    def message(self, record, action: Action) -> str:
        name = self._transition(record, action)
        t = (action.workflow or self.workflow).transition(name) if name is not None else None
        if action.message or (t is not None and t.message):
            return str(action.message or t.message)
        return _("Done: %(action)s.", action=str(t.label if t is not None and t.label else action.name))

    def _run(self, record, action: Action, actor, body):
        try:
            return action.run(record, actor, body)
        except self.keep_on or ():
            commit_or_conflict()  # what the refused attempt recorded is kept (e.g. a late filing's flag)
            raise

    # --- the JSON route ---------------------------------------------------------------

    def _api_route(self, bp, action: Action, rule: str, id_arg: str, permission: str, tag, endpoint: str):
        from core.api import route

        def view(**kwargs):
            return self.api(kwargs[id_arg], action.name)
        view.__name__ = endpoint
        view.__doc__ = action.doc
        # the body is parsed inside the view (after the scope, role, version and state checks),
        # and still documented in the OpenAPI description
        wrapped = route(bp, rule, ["POST"], response=action.response or self.response, permission=permission, tag=tag,
                        endpoint=endpoint, status=action.status)(view)
        wrapped._api_meta.body = action.body
        return wrapped

    def api(self, record_id: int, name: str):
        from flask_login import current_user

        from core.api import _parse_body

        action = self.action(name)
        record = self.loader(record_id)
        with checking_once():
            self.check(record, action, current_user, raw_version())
            body = _parse_body(action.body)
            returned = self._run(record, action, current_user, body)
        if action.result is not None:
            return flushed_answer(returned, action.result)
        return flushed_answer(record, self.serialize, direct=self.direct_write)

    # --- the page's form ----------------------------------------------------------------

    def handle_form(self, record_id, name: str, *, redirect_to: str | None = None, on_error: Callable | None = None,
                    read_form: Callable | None = None, message: Callable | None = None):
        """Run action ``name`` on the record from the submitted form; see the module docstring.
        ``read_form(action, record)`` (a view's own WTForms reading) replaces ``Action.form``;
        ``message(record)`` the transition's success message (a page that names the record)."""
        from flask import abort, flash, redirect, request
        from flask_login import current_user

        from core.api import pydantic_fields
        from core.extensions import db

        if name not in self.actions:
            abort(404)
        action = self.actions[name]
        record = self.loader(record_id)
        target = redirect_to or (self.record_url(record) if self.record_url else request.referrer or "/")
        try:
            with checking_once():
                self.check(record, action, current_user, _form_version())
                fields = (read_form(action, record) if read_form is not None else
                          (action.form or _default_form)(request.form, record))
                try:
                    body = action.body.model_validate({"version": _form_version(), **fields})
                except pydantic.ValidationError as exc:
                    raise ValidationError(_("invalid input"), pydantic_fields(exc)) from None
                returned = self._run(record, action, current_user, body)
            message = message(record) if message is not None else self.message(record, action)
            if action.redirect is not None:
                target = action.redirect(returned)
            commit_or_conflict()
        except DomainError as exc:
            if not isinstance(exc, self.keep_on or ()):
                db.session.rollback()
            if isinstance(exc, PermissionDenied):
                abort(403)
            handler = on_error or self.on_form_error
            if handler is not None:
                return handler(record_id, exc)
            from core.web.forms import place_form_errors

            place_form_errors(None, exc)
            return redirect(target)
        flash(message, "success")
        return redirect(target)
