"""A refused action's field map on a page, one behaviour everywhere (``toolkit.place_form_errors``):
each message next to its field when the form has it, the rest flashed with the error's own
message in the reader's language, nothing lost; a refused save answers 422."""
import html
import re

import pytest

from core.errors import ValidationError
from core.testing import login_as, make_user


def _field_feedback(page: str, name: str) -> str:
    """The error text shown under the input named ``name``."""
    start = page.index(f'name="{name}"')
    block = page[start:page.index("</div>", page.index("invalid-feedback", start))]
    return block


def _flashes(page: str) -> list[str]:
    return [html.unescape(m).strip() for m in re.findall(r'class="alert alert-danger[^"]*"[^>]*>(.*?)<', page, re.S)]


def _refused_dealer_form(client, monkeypatch, message, fields):
    """The core dealers CRUD page whose create service refuses with ``fields``."""
    from core.dealers.views import dealers_crud

    def refuse(data, actor):
        raise ValidationError(message, fields)

    monkeypatch.setattr(dealers_crud, "create", refuse)
    make_user("admin")
    login_as(client, "admin")
    r = client.post("/dealers/new", data={"code": "D1", "name": "Shop", "kind": "dealer", "status": "active",
                                          "abc_class": "A"})
    return r.status_code, r.get_data(as_text=True)


def test_crud_page_flashes_the_error_and_an_unplaced_field_message(app, client, monkeypatch):
    """Core CRUD pages said nothing but ``key: message`` when no field took the error (and answered 200)."""
    status, page = _refused_dealer_form(client, monkeypatch, "the head office has frozen new dealers",
                                        {"approval_ref": "ask the order department"})
    assert status == 422
    flashes = _flashes(page)
    assert "the head office has frozen new dealers" in flashes and "ask the order department" in flashes
    assert "approval_ref" not in page  # the API's key is not shown to a person


def test_crud_page_puts_a_field_error_next_to_its_field(app, client, monkeypatch):
    status, page = _refused_dealer_form(client, monkeypatch, "duplicate",
                                        {"name": "a dealer of that name exists", "approval_ref": "missing"})
    assert status == 422
    assert "a dealer of that name exists" in _field_feedback(page, "name")
    assert {"duplicate", "missing", "Please correct the errors below."} <= set(_flashes(page))


@pytest.mark.parametrize("key, lands_on, shown", [
    ("lines.1.qty", "lines-1-qty", "bad"),
    ("lines.7.qty", "lines", 8),  # a line the form does not show: on the table, with its row
    ("note.2", "note", 3),
    ("sig.when", "when", "bad"),
    ("lines", "lines", "bad"),
    ("nowhere", None, "bad"),
])
def test_place_form_errors_finds_nested_and_dotted_fields(app, key, lands_on, shown):
    from flask import get_flashed_messages
    from flask_babel import gettext as _
    from wtforms import FieldList, Form, FormField, IntegerField, StringField

    from core.toolkit import place_form_errors

    class Line(Form):
        qty = IntegerField()

    class Page(Form):
        note = StringField()
        when = StringField()
        lines = FieldList(FormField(Line), min_entries=3)

    with app.test_request_context("/"):
        form = Page()
        placed = place_form_errors(form, ValidationError("refused", {key: "bad"}), {"sig.when": "when"})
        fields = {"note": form.note, "when": form.when, "lines": form.lines,
                  **{f"lines-{i}-qty": e.form.qty for i, e in enumerate(form.lines.entries)}}
        got = {name: list(f.errors) for name, f in fields.items() if f.errors}
        flashed = get_flashed_messages()
        correct = _("Please correct the errors below.")
        if isinstance(shown, int):  # a key deeper than the form: which row, in the reader's language
            shown = _("%(where)s: %(message)s", where=_("Row %(row)s", row=shown), message="bad")
    if lands_on:
        assert placed and got == {lands_on: [shown]} and flashed == [correct]
    else:
        assert not placed and got == {} and flashed == ["refused", shown]


def test_form_action_is_the_one_submit_cycle_of_a_form_page(app):
    """``toolkit.form_action``: GET 200; valid POST → service, commit, flash, redirect; a refusal rolls
    back, puts its fields on the form and re-renders (422, 409 for a conflict); 403 aborts."""
    from flask import get_flashed_messages
    from flask_wtf import FlaskForm
    from werkzeug.exceptions import Forbidden
    from wtforms import StringField

    from core.dealers.models import Region
    from core.errors import Conflict, PermissionDenied
    from core.extensions import db
    from core.toolkit import form_action

    class RegionForm(FlaskForm):
        code = StringField()

    def submit(method, run):
        data = {"code": "EAST"} if method == "POST" else None
        with app.test_request_context("/", method=method, data=data):
            form = RegionForm(meta={"csrf": False})
            out = form_action(form, run, lambda region: f"/regions/{region.code}", lambda status: ("page", status),
                              success=lambda region: f"{region.code} saved")
            return out, form, get_flashed_messages()

    def create():
        region = Region(code="EAST", name="East")
        db.session.add(region)
        db.session.flush()
        return region

    def refuse(exc):
        def run():
            create()
            raise exc
        return run

    assert submit("GET", create)[0] == ("page", 200)
    out, form, flashed = submit("POST", refuse(ValidationError("taken", {"code": "already used"})))
    assert out == ("page", 422) and form.code.errors == ["already used"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Region)) == 0  # rolled back
    assert submit("POST", refuse(Conflict("stale")))[0] == ("page", 409)
    with pytest.raises(Forbidden):
        submit("POST", refuse(PermissionDenied("not yours")))
    out, form, flashed = submit("POST", create)
    assert out.status_code == 302 and out.location == "/regions/EAST" and flashed == ["EAST saved"]
    assert db.session.scalar(db.select(Region.code)) == "EAST"  # committed
