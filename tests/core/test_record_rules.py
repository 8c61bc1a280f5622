"""Visibility narrows as well as widens (Odoo ``ir.rule``: group rules OR, global rules AND),
models declare their scope (dealer, region, none) and fields can be masked by role.
On a throwaway plugin whose tables exist only in these tests."""
from __future__ import annotations

import textwrap
import uuid

import pytest
from sqlalchemy import select

PLUGIN = '''
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import FieldMask, RecordRule, db, hookimpl


class ScopeNote(db.Model):
    """Dealer-scoped; ``shared`` notes are widened to every dealer, ``secret`` ones narrowed away
    from dealers, notes about the technical department hidden from it (even head office)."""
    __tablename__ = "scopetest_note"
    __scope__ = "dealer"
    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("core_dealer.id"))
    title: Mapped[str] = mapped_column(String(40))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    inspected_department: Mapped[str] = mapped_column(String(20), default="")


class ScopeAudit(db.Model):
    """Owned by no dealer."""
    __tablename__ = "scopetest_audit"
    __scope__ = "none"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40))
    secret: Mapped[bool] = mapped_column(Boolean, default=False)


class RegionDoc(db.Model):
    __tablename__ = "scopetest_region_doc"
    __scope__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("core_region.id"))
    title: Mapped[str] = mapped_column(String(40))


class ScopeComplaint(db.Model):
    __tablename__ = "scopetest_complaint"
    __field_masks__ = (FieldMask("customer_phone", ("supervision",)),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_phone: Mapped[str] = mapped_column(String(20))


@hookimpl
def aftersales_record_rules():
    return [
        RecordRule(ScopeNote, lambda user: ScopeNote.shared.is_(True), roles=("dealer",)),
        RecordRule(ScopeNote, lambda user: ScopeNote.secret.is_(False), mode="narrow", roles=("dealer",)),
        RecordRule(ScopeNote, lambda user: ScopeNote.inspected_department != "technical", mode="narrow", roles=("technical",)),
        RecordRule(ScopeAudit, lambda user: ScopeAudit.secret.is_(False), mode="narrow", roles=("order_dept",)),
    ]
'''


@pytest.fixture
def world(tmp_path, monkeypatch):
    from core.testing import make_app, make_dealer, make_region, make_user
    from core.extensions import db

    module = f"scopetest_{uuid.uuid4().hex[:8]}"
    pkg = tmp_path / module
    pkg.mkdir()
    (pkg / "manifest.toml").write_text('id = "scopetest"\nversion = "1"\n')
    # The models are defined once per process (one metadata): later fixtures reuse the module.
    import sys

    existing = next((m for name, m in sys.modules.items() if name.startswith("scopetest_") and hasattr(m, "ScopeNote")), None)
    if existing is not None:
        pkg = __import__("pathlib").Path(existing.__file__).parent
        module = existing.__name__
    else:
        (pkg / "__init__.py").write_text(textwrap.dedent(PLUGIN))
        monkeypatch.syspath_prepend(str(tmp_path))
    app = make_app(plugins=["scopetest"], AFTERSALES_PLUGIN_PATHS=[(str(pkg), module)])
    with app.app_context():
        mod = sys.modules[module]
        east, west = make_region("EAST"), make_region("WEST")
        d1, d2 = make_dealer("D1", region=east), make_dealer("D2", region=west)
        users = {
            "dealer1": make_user("dealer1", roles=["dealer"], dealer=d1),
            "dealer2": make_user("dealer2", roles=["dealer"], dealer=d2),
            "tech": make_user("tech", roles=["technical"]),
            "order": make_user("order", roles=["order_dept"]),
            "rm": make_user("rm", roles=["regional_manager"]),
            "sup": make_user("sup", roles=["supervision"]),
        }
        from core.dealers.models import region_managers

        db.session.execute(region_managers.insert().values(region_id=east.id, user_id=users["rm"].id))
        N = mod.ScopeNote
        db.session.add_all([
            N(dealer_id=d1.id, title="own"), N(dealer_id=d1.id, title="own secret", secret=True),
            N(dealer_id=d2.id, title="other"), N(dealer_id=d2.id, title="other shared", shared=True),
            N(dealer_id=d2.id, title="other shared secret", shared=True, secret=True),
            N(dealer_id=d2.id, title="about tech", inspected_department="technical"),
            mod.ScopeAudit(title="audit"), mod.ScopeAudit(title="secret audit", secret=True),
            mod.RegionDoc(region_id=east.id, title="east doc"), mod.RegionDoc(region_id=west.id, title="west doc"),
            mod.ScopeComplaint(customer_phone="13812341234"),
        ])
        db.session.commit()
        yield app, mod, users


def _titles(model, user):
    from core.extensions import db
    from core.toolkit import scoped

    return sorted(db.session.scalars(scoped(select(model.title), model, user)))


def test_widening_rule_lets_a_dealer_see_shared_rows_narrowing_rule_hides_secret_ones(world):
    _app, mod, users = world
    # dealer1: its own rows OR shared ones (widen), AND not secret (narrow) — even its own secret note.
    assert _titles(mod.ScopeNote, users["dealer1"]) == ["other shared", "own"]
    # "other shared secret" is let in by the widening rule and hidden by the narrowing one.
    assert "other shared secret" not in _titles(mod.ScopeNote, users["dealer1"])


def test_a_narrowing_rule_applies_even_to_head_office(world):
    _app, mod, users = world
    assert "about tech" not in _titles(mod.ScopeNote, users["tech"])
    assert len(_titles(mod.ScopeNote, users["tech"])) == 5
    assert "about tech" in _titles(mod.ScopeNote, users["order"])  # the rule names only the technical role


def test_get_scoped_answers_404_for_a_narrowed_row(world):
    from core.errors import NotFound
    from core.extensions import db
    from core.toolkit import can_see, get_scoped

    _app, mod, users = world
    note = db.session.scalar(select(mod.ScopeNote).where(mod.ScopeNote.title == "other shared secret"))
    with pytest.raises(NotFound):
        get_scoped(mod.ScopeNote, note.id, users["dealer1"])
    assert can_see(note, users["order"]) and not can_see(note, users["dealer2"])


def test_models_without_a_dealer_column(world):
    _app, mod, users = world
    assert _titles(mod.ScopeAudit, users["tech"]) == ["audit", "secret audit"]
    assert _titles(mod.ScopeAudit, users["dealer1"]) == ["audit", "secret audit"]  # scope "none": the permission decides
    assert _titles(mod.ScopeAudit, users["order"]) == ["audit"]  # narrowed for the order department
    assert _titles(mod.RegionDoc, users["rm"]) == ["east doc"]
    assert _titles(mod.RegionDoc, users["tech"]) == ["east doc", "west doc"]
    assert _titles(mod.RegionDoc, users["dealer1"]) == []


def test_model_scope_declared_or_inferred(world):
    from core.toolkit import Dealer, model_scope

    _app, mod, _users = world
    assert model_scope(mod.ScopeNote) == "dealer" and model_scope(mod.ScopeAudit) == "none"
    assert model_scope(mod.RegionDoc) == "region" and model_scope(mod.ScopeComplaint) == "none"
    assert model_scope(Dealer) == "dealer"


def test_phone_masked_for_everyone_but_the_declared_roles(world):
    from core.extensions import db
    from core.toolkit import field_readable, field_value, mask_fields, mask_phone

    _app, mod, users = world
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("") == "" and mask_phone(None) is None
    complaint = db.session.scalar(select(mod.ScopeComplaint))
    assert field_value(complaint, "customer_phone", users["sup"]) == "13812341234"
    assert field_value(complaint, "customer_phone", users["order"]) == "138****1234"
    assert field_readable(mod.ScopeComplaint, "customer_phone", users["sup"])
    assert not field_readable(mod.ScopeComplaint, "customer_phone", users["dealer1"])
    assert mask_fields(mod.ScopeComplaint, {"customer_phone": "13812341234", "id": 1}, users["tech"]) == \
        {"customer_phone": "138****1234", "id": 1}


def test_field_value_in_templates(world):
    from flask import render_template_string
    from flask_login import login_user

    from core.extensions import db

    app, mod, users = world
    complaint = db.session.scalar(select(mod.ScopeComplaint))
    with app.test_request_context():
        login_user(users["order"])
        assert render_template_string("{{ field_value(c, 'customer_phone') }}", c=complaint) == "138****1234"


def test_record_rule_mode_is_checked():
    from core.toolkit import RecordRule

    with pytest.raises(ValueError):
        RecordRule(object, lambda user: None, mode="sideways")
