"""Notifications to groups written by one INSERT .. SELECT (issue 8: "notifications in one INSERT",
"two recipient groups -> one query and one insert"), with the same inbox as a list of users."""
from flask_babel import force_locale

from core.extensions import db
from core.notifications import N_, Notification, Recipients, batched, notify
from core.testing import count_queries, make_dealer, make_region, make_user


def _inbox(user):
    return [(n.display_title, n.display_body, n.link) for n in
            db.session.scalars(db.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def _people():
    od = make_user("od_batch", roles=["order_dept"])
    both = make_user("od_tech_batch", roles=["order_dept", "technical"])
    make_user("od_gone_batch", roles=["order_dept"], active=False)
    region = make_region("BATCH", managers=[make_user("rm_batch", roles=["regional_manager"])])
    dealer = make_dealer("DBATCH", region=region)
    clerk = make_user("dealer_batch", roles=["dealer"], dealer=dealer)
    other = make_user("other_batch", roles=["dealer"], dealer=make_dealer("DOTHER", region=region))
    db.session.commit()
    return od, both, dealer, clerk, other


def test_groups_told_in_a_block_take_one_statement_and_each_reader_gets_their_message(app):
    od, both, dealer, clerk, other = _people()
    dealer_id = dealer.id
    with count_queries(app) as q:
        with batched():
            notify(Recipients.role("order_dept") | Recipients.role("technical"), N_("Return %(number)s received"),
                   N_("%(boxes)s box(es) counted by the receiving unit."), "/rma/7", number="RMA-7", boxes=3)
            notify(Recipients.dealer(dealer_id), N_("Return %(number)s closed"), "", "/rma/7", number="RMA-7")
            notify(Recipients.dealer(None), N_("Return %(number)s closed"), "", "/rma/8", number="RMA-8")
            assert q.count == 0  # nothing written before the end of the block
    statements = [s for s in q.statements if not s.lstrip().upper().startswith("BEGIN")]
    assert [s.split()[:3] for s in statements] == [["INSERT", "INTO", "core_notification"]]
    db.session.commit()
    with app.test_request_context(), force_locale("en"):
        # one notification for a user of both roles; none for the inactive one or another dealer's clerk
        assert _inbox(od) == _inbox(both) == [("Return RMA-7 received", "3 box(es) counted by the receiving unit.",
                                               "/rma/7")]
        assert _inbox(clerk) == [("Return RMA-7 closed", "", "/rma/7")]
        assert _inbox(other) == []
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 3


def test_outside_a_block_a_group_is_one_statement_like_a_list_of_users(app):
    od, both, dealer, clerk, other = _people()
    region_id = dealer.region_id
    with count_queries(app) as q:
        assert notify(Recipients.region_managers(region_id), N_("Return to review: %(dealer)s"), "",
                      "/rma/1", dealer="D") == []
    assert len([s for s in q.statements if not s.lstrip().upper().startswith("BEGIN")]) == 1
    notify([od, other, None, od], N_("Return to review: %(dealer)s"), "", "/rma/1", dealer="D")
    db.session.commit()
    manager = db.session.scalar(db.select(Notification.user_id).where(Notification.user_id.not_in([od.id, other.id])))
    assert db.session.get(type(od), manager).username == "rm_batch"
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 3


def test_a_block_that_fails_writes_nothing(app):
    _people()
    try:
        with batched():
            notify(Recipients.role("order_dept"), N_("Return %(number)s closed"), "", "/rma/1", number="X")
            raise RuntimeError("refused")
    except RuntimeError:
        pass
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0


def test_many_messages_in_one_block_are_split_below_sqlites_compound_select_limit(app):
    od, *_ = _people()
    with batched():
        for i in range(250):
            notify(Recipients.users([od.id]), N_("Return %(number)s closed"), "", f"/rma/{i}", number=str(i))
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.user_id == od.id)) == 250


def test_with_e_mail_configured_the_recipients_are_loaded_and_mailed(app, monkeypatch):
    od, both, *_ = _people()
    sent = []
    monkeypatch.setitem(app.config, "SMTP_HOST", "mail.invalid")
    monkeypatch.setattr("core.notifications._send_mail", lambda to, subject, text: sent.append((to, subject)))
    db.session.execute(db.update(type(od)).where(type(od).id == od.id).values(email="od@example.com", language="en"))
    rows = notify(Recipients.role("order_dept"), N_("Return %(number)s closed"), "", "/rma/1", number="RMA-1")
    assert sorted(r["user_id"] for r in rows) == sorted([od.id, both.id])
    assert sent == [("od@example.com", "Return RMA-1 closed")]


def test_a_statement_built_once_takes_each_blocks_own_recipients(app):
    """The INSERT .. SELECT is built once per kinds of recipients and reused with other values: each
    block reaches its own dealer's users, its own list of users, never the previous block's."""
    from core.notifications import _INSERTS, _insert_statement

    od, both, dealer, clerk, other = _people()
    for who, link in ((dealer.id, "/rma/1"), (other.dealer_id, "/rma/2")):
        with batched():
            notify(Recipients.dealer(who), N_("Return %(number)s closed"), "", link, number=link[-1])
            notify(Recipients.users([od.id]) | Recipients.role("technical"), N_("Return %(number)s closed"), "",
                   link, number=link[-1])
    shape = (("dealer",), ("users", "role"))
    assert _insert_statement(shape) is _insert_statement(shape) and shape in _INSERTS
    db.session.commit()
    with app.test_request_context(), force_locale("en"):
        assert [link for _t, _b, link in _inbox(clerk)] == ["/rma/1"]
        assert [link for _t, _b, link in _inbox(other)] == ["/rma/2"]
        assert [link for _t, _b, link in _inbox(od)] == ["/rma/1", "/rma/2"]
        assert [link for _t, _b, link in _inbox(both)] == ["/rma/1", "/rma/2"]  # technical
