"""One declaration of a workflow action gives its JSON route and its page's form handler
(``TransitionRoutes``/``Action``), with the same error order (404 scope, 403 role, 409 stale or
illegal, then 422 body), one check of the transition per request and the transition's translated
message on the page. On a throwaway plugin whose table exists only in these tests."""
from __future__ import annotations

import sys
import textwrap
import uuid

import pytest

PLUGIN = '''
from flask import Blueprint, get_flashed_messages, url_for
from flask_babel import lazy_gettext as _l
from pydantic import Field
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import (Action, OutSchema, Permission, Schema, Transition, TransitionRoutes, Versioned, Workflow, db,
                          get_scoped, hookimpl, require)

GUARD_CALLS = []


class WfrNote(Versioned, db.Model):
    __tablename__ = "wfrtest_note"
    __scope__ = "dealer"
    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("core_dealer.id"))
    state: Mapped[str] = mapped_column(String(20), default="draft")
    title: Mapped[str] = mapped_column(String(40), default="")


def counted_guard(note, actor, **kw):
    GUARD_CALLS.append(note.id)


WORKFLOW = Workflow(model=WfrNote, states=("draft", "done"), transitions=(
    Transition("finish_up", ("draft",), "done", "wfrtest.finish", guards=(counted_guard,), message=_l("Saved.")),))


class FinishIn(Schema):
    version: int
    title: str = Field(min_length=1, max_length=40)


class WfrNoteOut(OutSchema):
    id: int
    state: str
    title: str
    version: int


def finish(note, actor, body):
    """The service: checks the transition itself, as services do for their other callers."""
    WORKFLOW.check(note, "finish_up", actor, version=body.version)
    note.title = body.title
    WORKFLOW.apply(note, "finish_up", actor, version=body.version)


ACTIONS = TransitionRoutes(
    workflow=WORKFLOW, loader=lambda note_id: get_scoped(WfrNote, note_id), response=WfrNoteOut,
    serialize=lambda n: {"id": n.id, "state": n.state, "title": n.title, "version": n.version},
    record_url=lambda n: url_for("wfrtest.detail", note_id=n.id),
    actions=[Action("finish_up", FinishIn, finish, "Finish a note.", form=lambda form, n: {"title": form.get("title", "")})])

api_bp = Blueprint("wfrtest_api", __name__)
ACTIONS.api_routes(api_bp, "/wfrtest-notes", permission="wfrtest.view", id_arg="note_id")
bp = Blueprint("wfrtest", __name__, url_prefix="/wfrtest")
ACTIONS.form_route(bp, "/<int:note_id>/do/<action>", endpoint="act", permission="wfrtest.view", id_arg="note_id")


@bp.route("/<int:note_id>")
@require("wfrtest.view")
def detail(note_id):
    get_scoped(WfrNote, note_id)
    return "|".join(get_flashed_messages())


@hookimpl
def aftersales_permissions():
    return [Permission("wfrtest.view", "see notes", ("dealer", "order_dept", "admin")),
            Permission("wfrtest.finish", "finish notes", ("dealer",))]


@hookimpl
def aftersales_blueprints():
    return [bp]


@hookimpl
def aftersales_api_blueprints():
    return [api_bp]
'''

BAD = {"title": ""}


@pytest.fixture
def world(request, tmp_path, monkeypatch):
    """The plugin's app; ``indirect`` parametrisation with True turns the CSRF check on."""
    from core.extensions import db
    from core.testing import make_app, make_dealer, make_region, make_user

    existing = next((m for name, m in sys.modules.items() if name.startswith("wfrtest_") and hasattr(m, "WfrNote")), None)
    if existing is not None:
        pkg, module = __import__("pathlib").Path(existing.__file__).parent, existing.__name__
    else:
        module = f"wfrtest_{uuid.uuid4().hex[:8]}"
        pkg = tmp_path / module
        pkg.mkdir()
        (pkg / "manifest.toml").write_text('id = "wfrtest"\nversion = "1"\n')
        (pkg / "__init__.py").write_text(textwrap.dedent(PLUGIN))
        monkeypatch.syspath_prepend(str(tmp_path))
    app = make_app(plugins=["wfrtest"], AFTERSALES_PLUGIN_PATHS=[(str(pkg), module)],
                   WTF_CSRF_ENABLED=getattr(request, "param", False))
    with app.app_context():
        mod = sys.modules[module]
        mod.GUARD_CALLS.clear()
        east = make_region("EAST")
        d1, d2 = make_dealer("D1", region=east), make_dealer("D2", region=east)
        users = {"dealer1": make_user("dealer1", roles=["dealer"], dealer=d1, language="zh_CN"),
                 "dealer2": make_user("dealer2", roles=["dealer"], dealer=d2),
                 "order": make_user("order", roles=["order_dept"])}
        draft, done = mod.WfrNote(dealer_id=d1.id), mod.WfrNote(dealer_id=d1.id, state="done")
        db.session.add_all([draft, done])
        db.session.commit()
        yield app, mod, users, draft, done
        db.session.remove()


def api(app, user, note, body):
    from core.testing import api_headers

    return app.test_client().post(f"/api/v1/wfrtest-notes/{note.id}/finish-up", json=body, headers=api_headers(user))


def page(app, user, note, form, csrf=True):
    """A logged-in browser posting the record page's form (with the page's CSRF token unless told not to)."""
    from core.testing import session_login

    client = app.test_client()
    session_login(client, user)
    if csrf and app.config["WTF_CSRF_ENABLED"]:
        html = client.get("/", follow_redirects=True).get_data(as_text=True)
        form = {**form, "csrf_token": html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]}
    return client, client.post(f"/wfrtest/{note.id}/do/finish_up", data=form)


def state(note):
    from core.extensions import db

    db.session.expire_all()
    return db.session.get(type(note), note.id).state


def test_the_api_route_is_generated_and_documented(world):
    app, mod, users, draft, _done = world
    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/api/v1/wfrtest-notes/<int:note_id>/finish-up")
    assert rule.methods >= {"POST"} and rule.endpoint.endswith("wfrtest_api.wfrtest_finish_up")
    meta = app.view_functions[rule.endpoint]._api_meta
    assert meta.permission == "wfrtest.view" and meta.body is mod.FinishIn and meta.response is mod.WfrNoteOut
    spec = app.test_client().get("/api/v1/openapi.json").json
    op = spec["paths"]["/api/v1/wfrtest-notes/{note_id}/finish-up"]["post"]
    assert "FinishIn" in str(op["requestBody"]) and op["summary"] == "Finish a note."


def test_api_error_order_scope_role_stale_illegal_then_body(world):
    app, _mod, users, draft, done = world
    r = api(app, users["dealer2"], draft, {"version": "x", **BAD})
    assert r.status_code == 404
    r = api(app, users["order"], draft, {"version": draft.version + 5, **BAD})
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    r = api(app, users["dealer1"], draft, {"version": draft.version + 5, **BAD})
    assert r.status_code == 409 and r.json["error"]["code"] == "stale_version"
    r = api(app, users["dealer1"], done, {"version": done.version, **BAD})
    assert r.status_code == 409 and r.json["error"]["code"] == "illegal_transition"
    r = api(app, users["dealer1"], draft, {"version": draft.version, **BAD})
    assert r.status_code == 422 and r.json["error"]["code"] == "validation_error"
    assert set(r.json["error"]["fields"]) == {"title"}
    assert state(draft) == "draft"


def test_api_success_checks_the_transition_once_and_answers_from_the_session(world):
    app, mod, users, draft, _done = world
    version = draft.version
    r = api(app, users["dealer1"], draft, {"version": version, "title": "checked"})
    assert r.status_code == 200, r.json
    assert r.json == {"id": draft.id, "state": "done", "title": "checked", "version": version + 1}
    assert mod.GUARD_CALLS == [draft.id]  # the service's check and apply did not run the guard again
    assert state(draft) == "done"


def test_the_form_route_refusals(world):
    app, _mod, users, draft, done = world
    assert page(app, users["dealer2"], draft, {"version": draft.version, **BAD})[1].status_code == 404
    assert page(app, users["order"], draft, {"version": draft.version, "title": "x"})[1].status_code == 403
    client, r = page(app, users["dealer1"], draft, {"version": draft.version + 5, **BAD})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/wfrtest/{draft.id}")
    assert client.get(r.headers["Location"]).get_data(as_text=True) == \
        f"版本 {draft.version + 5} 已过期，当前版本为 {draft.version}"
    client, r = page(app, users["dealer1"], done, {"version": done.version, **BAD})
    assert r.status_code == 302
    assert client.get(r.headers["Location"]).get_data(as_text=True) == "状态为 'done' 的记录不能执行 finish_up"
    client, r = page(app, users["dealer1"], draft, {"version": draft.version, **BAD})
    assert r.status_code == 302
    # no form on a redirect: the error's message, then the field's ("at least 1 characters"), in the
    # user's language (toolkit.place_form_errors: nothing the service said is lost)
    assert client.get(r.headers["Location"]).get_data(as_text=True) == "输入无效|至少 1 个字符"
    assert state(draft) == "draft"


def test_the_form_route_flashes_the_translated_message_and_checks_once(world):
    app, mod, users, draft, _done = world
    client, r = page(app, users["dealer1"], draft, {"version": draft.version, "title": "on the page"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/wfrtest/{draft.id}")
    assert client.get(r.headers["Location"]).get_data(as_text=True) == "已保存。"
    assert mod.GUARD_CALLS == [draft.id]
    assert state(draft) == "done"


@pytest.mark.parametrize("world", [True], indirect=True)
def test_the_form_route_is_csrf_protected(world):
    app, mod, users, draft, _done = world
    _client, r = page(app, users["dealer1"], draft, {"version": draft.version, "title": "x"}, csrf=False)
    assert r.status_code == 400 and state(draft) == "draft"
    client, r = page(app, users["dealer1"], draft, {"version": draft.version, "title": "x"})
    assert r.status_code == 302 and client.get(r.headers["Location"]).get_data(as_text=True) == "已保存。"
    assert mod.GUARD_CALLS == [draft.id]
