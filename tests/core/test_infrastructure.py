"""Shared machinery: workflow, calendar, activity log, attachments, sequences, notifications, CLI."""
import threading
from datetime import date

import pytest
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core import activity, calendar, notifications, sequences, settings
from core.errors import Conflict, PermissionDenied, ValidationError
from core.extensions import db
from core.testing import api_headers, login_as, make_user
from core.workflow import Transition, Workflow


# --- calendar ------------------------------------------------------------------------

def test_public_holiday_and_make_up_workday():
    assert not calendar.is_workday(date(2026, 10, 1))  # National Day
    assert calendar.is_workday(date(2026, 9, 28))  # Monday
    assert not calendar.is_workday(date(2026, 11, 21))  # Saturday
    # two working days after Friday 2026-09-25: the make-up Sunday 09-27 counts (chinesecalendar data)
    expected = date(2026, 9, 28) if not calendar.is_workday(date(2026, 9, 27)) else date(2026, 9, 27)
    assert calendar.add_working_days(date(2026, 9, 25), 1) == expected


def test_add_working_days_skips_the_national_day_week():
    # from Wednesday 2026-09-30, the next working days come after the Golden Week
    after = calendar.add_working_days(date(2026, 9, 30), 1)
    assert after > date(2026, 10, 7)
    assert calendar.working_days_between(date(2026, 9, 30), after) == 1


def test_beyond_the_published_years_falls_back_to_weekdays():
    assert calendar.is_workday(date(2031, 3, 3))  # Monday
    assert not calendar.is_workday(date(2031, 3, 2))  # Sunday
    assert calendar.add_working_days(date(2031, 3, 6), 2) == date(2031, 3, 10)  # Thu -> Mon


# --- workflow -------------------------------------------------------------------------

class Doc:
    """A stand-in record: the helper only needs state, version, id."""
    __activity_model__ = "doc"

    def __init__(self):
        self.id, self.state, self.version = 1, "draft", 3


class Actor:
    id = None

    def __init__(self, *perms):
        self.perms = set(perms)

    def can(self, p):
        return p in self.perms


FLOW = Workflow(Doc, states=("draft", "sent", "done"), transitions=(
    Transition("send", ("draft",), "sent", "doc.send"),
    Transition("finish", ("sent",), "done", "doc.finish", guards=(lambda rec, actor, **kw: None if kw.get("ok") else "not ok",)),
))


@pytest.fixture
def english(app):
    """Services outside a request speak the default language (zh_CN); these tests read English."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


def test_workflow_checks_permission_state_version_and_guards(app, english):
    doc = Doc()
    with pytest.raises(PermissionDenied):
        FLOW.apply(doc, "send", Actor())
    with pytest.raises(Conflict, match="stale"):
        FLOW.apply(doc, "send", Actor("doc.send"), version=2)
    with pytest.raises(Conflict, match="cannot finish"):
        FLOW.apply(doc, "finish", Actor("doc.finish"))
    assert FLOW.apply(doc, "send", Actor("doc.send"), version=3) == ("draft", "sent")
    with pytest.raises(Conflict, match="not ok"):
        FLOW.apply(doc, "finish", Actor("doc.finish"))
    FLOW.apply(doc, "finish", Actor("doc.finish"), ok=True)
    assert doc.state == "done"
    entries = activity.entries_for("doc", 1)
    assert [e.action for e in entries] == ["finish", "send"]
    assert entries[1].changes == {"state": ["draft", "sent"]}
    db.session.rollback()


def test_workflow_rejects_unknown_states():
    with pytest.raises(ValueError):
        Workflow(Doc, states=("a",), transitions=(Transition("x", ("a",), "b", "p"),))


# --- activity log --------------------------------------------------------------------

def test_activity_entries_cannot_be_edited_or_deleted(app):
    user = make_user("admin")
    entry = activity.entries_for("user", user.id)[0]
    entry.comment = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    entry = activity.entries_for("user", user.id)[0]
    db.session.delete(entry)
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_activity_api_respects_scope(app, client):
    from core.testing import make_dealer

    d1, d2 = make_dealer("D1"), make_dealer("D2")
    shop = make_user("shop", roles=["dealer"], dealer=d1)
    h = api_headers(shop)
    assert client.get(f"/api/v1/activity?model=dealer&id={d1.id}", headers=h).status_code == 200
    assert client.get(f"/api/v1/activity?model=dealer&id={d2.id}", headers=h).status_code == 404
    assert client.get("/api/v1/activity?model=user&id=1", headers=h).status_code == 404
    assert client.get("/api/v1/activity?model=nope&id=1", headers=h).status_code == 404
    assert client.get("/api/v1/activity?model=dealer&id=x", headers=h).status_code == 400


# --- settings -------------------------------------------------------------------------

def test_settings_default_override_and_validation(app):
    assert settings.get("core.password_min_length") == 8
    settings.set_value("core.password_min_length", "10")
    db.session.commit()
    assert settings.get("core.password_min_length") == 10
    with pytest.raises(ValidationError):
        settings.set_value("core.password_min_length", "2")
    with pytest.raises(ValidationError):
        settings.set_value("core.no_such_setting", 1)
    with pytest.raises(KeyError):
        settings.get("core.no_such_setting")


# --- attachments ----------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_attachments_check_content_and_size(app, english):
    from core import attachments

    att = attachments.add("doc", 1, "photo.png", PNG)
    assert att.content_type == "image/png"
    with pytest.raises(ValidationError, match="unsupported"):
        attachments.add("doc", 1, "evil.png", b"<script>alert(1)</script>")
    with pytest.raises(ValidationError, match="empty"):
        attachments.add("doc", 1, "empty.pdf", b"")
    settings.set_value("core.attachment_max_kb", 1)
    with pytest.raises(ValidationError, match="too large"):
        attachments.add("doc", 1, "big.pdf", b"%PDF-" + b"0" * 2000)
    db.session.rollback()


# --- sequences ------------------------------------------------------------------------

def test_sequence_numbers_are_gap_free_per_year(app):
    assert sequences.next_number("RMA", 2026) == "RMA-2026-000001"
    assert sequences.next_number("RMA", 2026) == "RMA-2026-000002"
    assert sequences.next_number("RMA", 2027) == "RMA-2027-000001"
    db.session.commit()


def test_concurrent_sequence_numbers_never_repeat(tmp_path):
    import os

    from core.testing import make_app

    config = {}
    if not os.environ.get("AFTERSALES_TEST_DATABASE_URL", "").startswith("postgresql"):
        # a file database, so each thread has its own connection as in production
        config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'seq.db'}", "SQLALCHEMY_ENGINE_OPTIONS": {}}
    app = make_app(plugins=[], **config)
    with app.app_context():
        sequences.next_value("X", 2026)
        db.session.commit()
    results, errors = [], []

    def worker():
        try:
            with app.app_context():
                for _ in range(10):
                    results.append(sequences.next_value("X", 2026))
                    db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == list(range(2, 42))


# --- notifications --------------------------------------------------------------------

def test_notifications_inbox_and_badge(app, client):
    user = make_user("clerk", roles=["order_dept"])
    other = make_user("other", roles=["order_dept"])
    notifications.notify([user, user, other], "RMA-1 needs approval", "body", "/")
    db.session.commit()
    assert notifications.unread_count(user) == 1
    login_as(client, "clerk")
    page = client.get("/notifications").get_data(as_text=True)
    assert "RMA-1 needs approval" in page and 'id="unread-count">1<' in page
    client.post("/notifications/read", data={})
    assert 'id="unread-count"' not in client.get("/notifications").get_data(as_text=True)
    assert notifications.unread_count(other) == 1


# --- CLI ------------------------------------------------------------------------------

def test_create_admin_command(app, monkeypatch, english):
    runner = app.test_cli_runner()
    monkeypatch.setenv("AFTERSALES_ADMIN_PASSWORD", "a-long-password")
    result = runner.invoke(args=["create-admin", "boss"])
    assert result.exit_code == 0, result.output
    from core.users.models import User

    boss = db.session.scalar(db.select(User).where(User.username == "boss"))
    assert boss.role_ids == {"admin"} and boss.check_password("a-long-password")
    monkeypatch.setenv("AFTERSALES_ADMIN_PASSWORD", "short")
    result = runner.invoke(args=["create-admin", "weak"])
    assert result.exit_code != 0 and "at least 8" in result.output


def test_notifications_are_mailed_when_smtp_is_configured(app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("tls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, msg):
            sent.append(("send", msg["To"], msg["Subject"]))

    monkeypatch.setattr(notifications.smtplib, "SMTP", FakeSMTP)
    app.config.update(SMTP_HOST="mail.local", SMTP_PORT=2525, SMTP_USER="bot", SMTP_TLS=True)
    user = make_user("clerk", roles=["order_dept"], email="clerk@example.com")
    notifications.notify([user], "RMA-2026-000001 approved", "ok", "/rmas/1")
    assert ("connect", "mail.local", 2525) in sent and ("tls",) in sent and ("login", "bot") in sent
    assert ("send", "clerk@example.com", "RMA-2026-000001 approved") in sent
    app.config.update(SMTP_HOST="")
