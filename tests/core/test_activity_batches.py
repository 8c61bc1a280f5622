"""Activity entries of a transition written by one INSERT of their values at the end of the block
(``activity.batched``), and kept as before when the block fails (issue 8, transitions)."""
from core import activity
from core.activity import ActivityEntry
from core.extensions import db
from core.testing import count_queries, make_dealer, make_region


def _entries(record):
    return [(e.action, e.changes, e.comment) for e in db.session.scalars(
        db.select(ActivityEntry).where(ActivityEntry.model == "dealer", ActivityEntry.record_id == record.id,
                                     ActivityEntry.action != "created")
        .order_by(ActivityEntry.id))]


def _written(q):
    return [s for s in q.statements if not s.lstrip().upper().startswith("BEGIN")]


def test_entries_of_a_block_are_one_insert_at_its_end(app):
    dealer = make_dealer("DACT", region=make_region("ACT"))
    db.session.commit()
    assert dealer.id  # loaded again after the commit
    with count_queries(app) as q:
        with activity.batched():
            assert activity.log(dealer, "first", {"status": ("active", "suspended")}) is None
            with activity.batched():  # a nested block joins the outer one
                activity.log(dealer, "second", comment="again")
            assert not db.session.new and not _written(q)  # no ORM object, nothing written yet
    assert [s.split()[:3] for s in _written(q)] == [["INSERT", "INTO", "core_activity"]]
    db.session.commit()
    assert _entries(dealer) == [("first", {"status": ["active", "suspended"]}, ""), ("second", None, "again")]


def test_a_failing_block_leaves_its_entries_to_the_callers_commit_or_rollback(app):
    dealer = make_dealer("DACT2", region=make_region("ACT2"))
    db.session.commit()
    for keep in (False, True):
        try:
            with activity.batched():
                activity.log(dealer, f"refused {keep}")
                raise ValueError
        except ValueError:
            db.session.commit() if keep else db.session.rollback()
    assert _entries(dealer) == [("refused True", None, "")]
