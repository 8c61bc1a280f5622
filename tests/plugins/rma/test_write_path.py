"""The write path of returns (issue 8): an agent's scope from its cached token, and line updates in
one statement whatever the number of lines and whatever each line changes."""
from sqlalchemy import update

from core.extensions import db
from core.testing import count_queries
from core.toolkit import Dealer
from plugins.rma.models import Rma

from .conftest import line
from .test_queries import seed


def _statements(q):
    return [s for s in q.statements if not s.lstrip().upper().startswith("BEGIN")]


def test_dealer_users_scope_loads_no_dealer(app, client, world):
    """A dealer user's scoped read takes its dealer's kind from the token cache: no core_dealer SELECT."""
    seed(world, 1, dealer=world.dist)
    rma_id = db.session.scalar(db.select(Rma.id))
    url = f"/api/v1/rmas/{rma_id}"
    assert client.get(url, headers=world.h["a1"]).status_code == 200  # the agent sees its distributor's
    with count_queries(app) as q:
        assert client.get(url, headers=world.h["a1"]).status_code == 200
    assert not [s for s in _statements(q) if s.lstrip().startswith("SELECT core_dealer")], q.statements


def test_a_dealer_kind_change_reaches_cached_tokens(app, client, world):
    """The kind cached with a token follows the dealer: an ORM change and an UPDATE statement both
    raise the auth version, so the agent's scope changes on its next request."""
    seed(world, 1, dealer=world.dist)
    rma_id = db.session.scalar(db.select(Rma.id))
    url = f"/api/v1/rmas/{rma_id}"
    assert client.get(url, headers=world.h["a1"]).status_code == 200
    agent = db.session.get(Dealer, world.agent.id)
    agent.kind = "dealer"  # no longer an agent: its distributors' returns are not its own
    db.session.commit()
    assert client.get(url, headers=world.h["a1"]).status_code == 404
    db.session.execute(update(Dealer).where(Dealer.id == world.agent.id).values(kind="agent"))
    db.session.commit()
    assert client.get(url, headers=world.h["a1"]).status_code == 200


def test_other_dealer_changes_keep_the_token_cache(app, client, world):
    """Renaming a dealer or changing its status does not empty every process's token cache."""
    from core.users import authcache

    client.get("/api/v1/rmas?per_page=1", headers=world.h["a1"])
    with app.test_request_context():
        version = authcache.current_version()
    db.session.execute(update(Dealer).where(Dealer.id == world.agent.id).values(name="改名代理"))
    agent = db.session.get(Dealer, world.agent.id)
    agent.status = "suspended"
    db.session.commit()
    with app.test_request_context():
        assert authcache.current_version() == version


def test_line_updates_are_one_statement_for_five_mixed_lines(app, client, world):
    """Receive, inspect and resolve write every line in ONE UPDATE (executemany), also when the
    lines change different fields (a serious finding on one, a fee on another)."""
    h = world.h
    rma = client.post("/api/v1/rmas", headers=h["d1"], json={"lines": [line(serial=f"M{i}") for i in range(5)]}).json
    for who, action, body in (("d1", "submit", {}), ("rm_east", "review", {}), ("order", "approve", {}),
                              ("d1", "ship", {"boxes": 2, "carrier": "顺丰", "tracking": "SF9"})):
        rma = client.post(f"/api/v1/rmas/{rma['id']}/{action}", headers=h[who],
                          json={"version": rma["version"], **body}).json
    ids = [l["id"] for l in rma["lines"]]
    verdicts = ["quality_fault", "human_damage", "no_fault_found", "quality_fault", "human_damage"]
    resolutions = ["repair", "paid_repair", "return_to_sender", "credit", "return_to_sender"]
    steps = [
        ("receive", {"boxes_received": 2, "lines": [{"line_id": i, "received_quantity": n % 2}
                                                     for n, i in enumerate(ids)]}),
        ("inspect", {"lines": [{"line_id": i, "verdict": v, "serious": n == 1, "worth_analysis": n == 3,
                                "findings": "裂纹" if n == 0 else ""} for n, (i, v) in enumerate(zip(ids, verdicts))]}),
        ("resolve", {"lines": [{"line_id": i, "resolution": r, **({"fee": "12.50"} if r == "paid_repair" else {})}
                               for i, r in zip(ids, resolutions)]}),
    ]
    for action, body in steps:
        with count_queries(app) as q:
            r = client.post(f"/api/v1/rmas/{rma['id']}/{action}", headers=h["order" if action != "inspect" else "tech"],
                            json={"version": rma["version"], **body})
        assert r.status_code == 200, (action, r.json)
        rma = r.json
        updates = [s for s in _statements(q) if s.lstrip().startswith("UPDATE rma_line")]
        assert len(updates) == 1, (action, updates)
    lines = client.get(f"/api/v1/rmas/{rma['id']}", headers=h["order"]).json["lines"]
    assert [l["received_quantity"] for l in lines] == [0, 1, 0, 1, 0]
    assert [l["verdict"] for l in lines] == verdicts and [l["serious"] for l in lines] == [False, True] + [False] * 3
    assert [l["worth_analysis"] for l in lines] == [False, False, False, True, False]
    assert [l["findings"] for l in lines] == ["裂纹", "", "", "", ""]
    assert [l["resolution"] for l in lines] == resolutions and [l["fee"] for l in lines] == [None, "12.50", None, None, None]


def test_a_dealer_users_browser_session_loads_no_dealer_for_its_scope(app, client, world):
    """A browser session takes the dealer's kind from the session cache as a token does: an agent's
    reading of its distributor's return runs no core_dealer SELECT for the scope."""
    from core.testing import session_login

    seed(world, 1, dealer=world.dist)
    url = f"/api/v1/rmas/{db.session.scalar(db.select(Rma.id))}"
    session_login(client, world.users["a1"])
    assert client.get(url).status_code == 200  # warm: the session user is cached
    with count_queries(app) as q:
        r = client.get(url)
    assert r.status_code == 200 and r.json["dealer_code"] == world.dist.code
    assert not [s for s in _statements(q) if s.lstrip().startswith("SELECT core_dealer")], q.statements


def _draft(client, w, who="d1", serials=("P1",)):
    r = client.post("/api/v1/rmas", headers=w.h[who], json={"lines": [line(serial=s) for s in serials]})
    assert r.status_code == 201, r.json
    return r.json


def _stored(rma_id):
    db.session.expire_all()
    rma = db.session.get(Rma, rma_id)
    return rma.version, [(l.id, l.serial) for l in rma.lines]


def test_a_draft_patch_refused_leaves_the_draft_as_it_was(app, client, world):
    """PATCH of a draft writes its version UPDATE before it reads the return: every refusal answers
    what a load first answered (404 outside the scope, 403 for another dealer's user who sees it,
    409 stale or not a draft, 422 unknown SKU) and writes nothing."""
    w = world
    draft = _draft(client, w, "s1")  # a distributor's draft: its agent sees it, may not edit it
    before = _stored(draft["id"])
    url = f"/api/v1/rmas/{draft['id']}"
    body = {"version": draft["version"], "lines": [line(serial="N1")]}
    for who, status, code in [("d2", 404, None), ("a1", 403, "not_returning_unit")]:
        r = client.patch(url, headers=w.h[who], json=body)
        assert r.status_code == status and (code is None or r.json["error"]["code"] == code), (who, r.json)
    r = client.patch(url, headers=w.h["s1"], json={**body, "version": draft["version"] + 1})
    assert r.status_code == 409 and r.json["error"]["code"] == "stale_version"
    r = client.patch(url, headers=w.h["s1"], json={**body, "lines": [line(serial="N1"), line(sku="NOPE")]})
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {"lines.1.sku"}
    assert _stored(draft["id"]) == before
    r = client.patch(url, headers=w.h["s1"], json=body)
    assert r.status_code == 200 and r.json["version"] == draft["version"] + 1
    submitted = client.post(f"{url}/submit", headers=w.h["s1"], json={"version": r.json["version"]}).json
    r = client.patch(url, headers=w.h["s1"], json={**body, "version": submitted["version"]})
    assert r.status_code == 409 and r.json["error"]["code"] == "illegal_transition"
    assert _stored(draft["id"])[0] == submitted["version"]


def test_a_draft_patch_replaces_its_lines_with_fresh_ids(app, client, world):
    """The old lines are deleted, the new ones get new ids in the order given, and the answer is what
    a read shows; the dealer comes with the products."""
    w = world
    draft = _draft(client, w, serials=("A", "B", "C"))
    old_ids = {l["id"] for l in draft["lines"]}
    r = client.patch(f"/api/v1/rmas/{draft['id']}", headers=w.h["d1"],
                     json={"version": draft["version"], "lines": [line(serial="X"), line(serial="Y")]})
    assert r.status_code == 200, r.json
    ids = [l["id"] for l in r.json["lines"]]
    assert [l["serial"] for l in r.json["lines"]] == ["X", "Y"] and ids == sorted(ids) and not old_ids & set(ids)
    assert r.json["dealer_code"] == "D1"
    assert r.json == client.get(f"/api/v1/rmas/{draft['id']}", headers=w.h["d1"]).json | {"cost": r.json["cost"]}
    assert _stored(draft["id"]) == (r.json["version"], [(i, s) for i, s in zip(ids, "XY")])


def test_returns_filed_outside_a_request_number_their_lines_in_order(app, world):
    """The CLI and imports file through the same one-INSERT lines as the API (SQLite numbers them
    from the INSERT's last id): every line in the order given, after the newest line, also after
    the newest lines were deleted (their objects still in the session)."""
    from plugins.rma import services
    from plugins.rma.models import RmaLine

    first = services.create_rma(world.dealer, [line(serial=f"A{i}") for i in range(3)], world.users["d1"])
    deleted = first.lines[-1]
    table = RmaLine.__table__  # a Core DELETE: the deleted line's object stays in the session
    db.session.execute(db.delete(table).where(table.c.id == deleted.id))
    second = services.create_rma(world.dealer, [line(serial=f"B{i}") for i in range(4)], world.users["d1"])
    third = services.create_rma(world.dealer, [line(serial="C0")], world.users["d1"])
    db.session.commit()
    filed = {rma.id: [(l.id, l.serial) for l in rma.lines] for rma in (first, second, third)}
    for rma_id, lines in filed.items():
        assert _stored(rma_id)[1] == lines
    ids = [i for i, _serial in filed[second.id] + filed[third.id]]
    assert ids == sorted(ids) and len(set(ids)) == 5 and ids[0] > filed[first.id][1][0]
    assert [s for _i, s in filed[second.id]] == ["B0", "B1", "B2", "B3"]

def test_a_filing_writes_its_rows_and_entry_without_the_unit_of_work(app, client, world):
    """A draft filed over the API: the return, its line and its activity entry are each one Core
    INSERT; no flush of the session writes anything, and the answer is what a read shows."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from core.activity import ActivityEntry

    flushed = []

    def before_flush(session, context, instances):
        flushed.append([type(o).__name__ for o in list(session.new) + list(session.dirty)])
    event.listen(Session, "before_flush", before_flush)
    try:
        r = client.post("/api/v1/rmas", headers=world.h["d1"], json={"lines": [line(quantity=1, serial="W1")]})
    finally:
        event.remove(Session, "before_flush", before_flush)
    assert r.status_code == 201 and r.json["state"] == "draft" and r.json["version"] == 1, r.json
    assert not [names for names in flushed if names], flushed
    read = client.get(f"/api/v1/rmas/{r.json['id']}", headers=world.h["d1"]).json
    assert {**read, "cost": None} == r.json  # a new draft's answer carries no cost roll-up (as before)
    entry = db.session.scalars(db.select(ActivityEntry).where(ActivityEntry.model == "rma",
                                                              ActivityEntry.record_id == r.json["id"])).one()
    assert entry.action == "created" and entry.changes == {"state": [None, "draft"], "lines": [None, 1]}
    assert entry.actor_id == world.users["d1"].id


def test_a_filing_gives_the_dealer_and_products_the_session_holds(app, world):
    """The dealer and products of a filing are read with Core and become the session's objects, as
    an ORM load would give them: the ones it holds already (expired by a commit, as in the CLI's
    loop: filled from the row, no statement of their own), else new ones whose other references
    load lazily."""
    from core.testing import count_queries
    from core.toolkit import Product
    from plugins.rma import services

    code = world.dealer.code
    db.session.expunge_all()
    dealer, products = services._dealer_and_products("code", code, {"PNL-600", "STRIP-1M", "NONE"})
    lamp = products["PNL-600"]
    assert set(products) == {"PNL-600", "STRIP-1M"} and dealer.code == code
    assert lamp.category.name and not db.session.new and not db.session.dirty
    assert db.session.get(Product, lamp.id) is lamp and lamp.parts == [] and dealer.region is not None
    dealer_id = dealer.id
    db.session.commit()  # everything expired
    with count_queries(app) as q:
        again, products = services._dealer_and_products("id", dealer_id, {"PNL-600"})
        assert again is dealer and products["PNL-600"] is lamp and lamp.sku == "PNL-600" and dealer.name
    assert len(_statements(q)) == 1, "\n".join(s[:80] for s in q.statements)
    assert services._dealer_and_products("code", "NO-SUCH", {"PNL-600"}) == (None, {})
    strip = services._products({"STRIP-1M"})["STRIP-1M"]
    assert strip is db.session.scalars(db.select(Product).where(Product.sku == "STRIP-1M")).one()


def _approved_by_someone_else(app, world, monkeypatch):
    """A reviewed return whose row another writer moves on (version + 1) while its approval runs,
    after the approval's own version check: only the UPDATE .. WHERE version can notice it."""
    from plugins.rma import services

    seed(world, 1)
    rma_id = db.session.scalar(db.select(Rma.id))
    approve = services._HANDLERS["approve"]

    def racing(rma, actor, version, payload):
        approve(rma, actor, version, payload)
        table = Rma.__table__
        db.session.connection().execute(table.update().where(table.c.id == rma.id)
                                         .values(version=table.c.version + 1, tracking="other writer"))
    monkeypatch.setitem(services._HANDLERS, "approve", racing)
    return rma_id


def test_a_transition_that_loses_the_version_race_is_a_409_and_writes_nothing(app, client, world, monkeypatch):
    """The transition's own UPDATE (a Core statement, not the unit of work) keeps the optimistic
    lock: a concurrent writer that won first turns the answer into 409 ``stale_version``, and
    nothing of the attempt is kept (state, number, activity entry, notifications)."""
    from core.activity import ActivityEntry
    from core.notifications import Notification

    rma_id = _approved_by_someone_else(app, world, monkeypatch)
    notifications = db.session.scalar(db.select(db.func.count(Notification.id)))
    r = client.post(f"/api/v1/rmas/{rma_id}/approve", headers=world.h["order"], json={"version": 1})
    assert r.status_code == 409 and r.json["error"]["code"] == "stale_version", r.json
    db.session.expire_all()
    rma = db.session.get(Rma, rma_id)
    assert (rma.state, rma.number, rma.version, rma.tracking) == ("reviewed", None, 1, "")
    assert not db.session.scalars(db.select(ActivityEntry).where(ActivityEntry.record_id == rma_id,
                                                                 ActivityEntry.action == "approve")).all()
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == notifications


def test_a_transition_writes_the_record_and_its_entry_without_the_unit_of_work(app, client, world):
    """Approve: the return's UPDATE checks and raises the version, the activity entry is one INSERT
    of its values; no flush of the session writes anything (the same statements, in the
    request's one transaction)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from core.activity import ActivityEntry

    seed(world, 1)
    rma_id = db.session.scalar(db.select(Rma.id))
    flushed = []

    def before_flush(session, context, instances):
        flushed.append([type(o).__name__ for o in list(session.new) + list(session.dirty)])
    event.listen(Session, "before_flush", before_flush)
    try:
        r = client.post(f"/api/v1/rmas/{rma_id}/approve", headers=world.h["order"], json={"version": 1})
    finally:
        event.remove(Session, "before_flush", before_flush)
    assert r.status_code == 200 and r.json["state"] == "approved" and r.json["version"] == 2, r.json
    assert r.json["number"].startswith("RMA-") and r.json["approved_at"]
    assert not [names for names in flushed if names], flushed
    db.session.expire_all()
    rma = db.session.get(Rma, rma_id)
    assert (rma.state, rma.version, rma.number) == ("approved", 2, r.json["number"])
    entry = db.session.scalars(db.select(ActivityEntry).where(ActivityEntry.model == "rma",
                                                              ActivityEntry.record_id == rma_id)).one()
    assert entry.action == "approve" and entry.changes["state"] == ["reviewed", "approved"]
    assert entry.changes["number"] == [None, rma.number] and entry.actor_id == world.users["order"].id


def test_a_transition_that_changes_a_model_outside_its_direct_writes_is_flushed(app, client, world, monkeypatch):
    """The RMA actions write their return and lines with Core statements; a change to any other model
    in the same action (here a user switched off, whose token the per-process cache keeps) goes
    through the unit of work, so the session listeners see it: the auth version is raised and the
    switched-off user's cached token stops working at once."""
    from core.users.models import User
    from plugins.rma import services

    seed(world, 1)
    rma_id = db.session.scalar(db.select(Rma.id))
    approve = services._HANDLERS["approve"]

    def approve_and_switch_off_d1(rma, actor, version, payload):
        approve(rma, actor, version, payload)
        db.session.scalar(db.select(User).where(User.username == "d1")).active = False
    monkeypatch.setitem(services._HANDLERS, "approve", approve_and_switch_off_d1)
    assert client.get("/api/v1/me", headers=world.h["d1"]).status_code == 200  # d1's token cached
    r = client.post(f"/api/v1/rmas/{rma_id}/approve", headers=world.h["order"], json={"version": 1})
    assert r.status_code == 200, r.json
    assert client.get("/api/v1/me", headers=world.h["d1"]).status_code == 401
