"""Visit records: on time or late, the co-signature rule (409), signature checks, the after-commit event, the PDF."""
from datetime import datetime

import pytest

from core.testing import api_headers
from helpers_service import URL, VISITS, act, create, get, ok, png, sign, to_on_site, visit


class Listener:
    """Records service_job_completed calls and whether a transaction was still open when they came."""

    def __init__(self):
        self.jobs = []

    def service_job_completed(self, job):
        from core.extensions import db

        self.jobs.append((job, db.session().in_transaction()))


@pytest.fixture
def listener(app):
    from core.plugin_system import hookimpl

    class Impl:
        def __init__(self, sink):
            self.sink = sink

        @hookimpl
        def service_job_completed(self, job):
            self.sink.service_job_completed(job)

    sink = Listener()
    pm = app.extensions["aftersales"].pm
    impl = Impl(sink)
    pm.register(impl, name="test_service_listener")
    yield sink
    pm.unregister(impl)


def _complete(client, user, v):
    return client.post(f"{VISITS}/{v['id']}/complete", json={"version": v["version"]}, headers=api_headers(user))


def test_arrival_on_time_or_late(client, world):
    tech = world["users"]["tech1"]
    rec = to_on_site(client, world)
    assert visit(client, tech, rec, arrived_at="2026-11-20T16:00:00+08:00")["on_time"] is True
    rec2 = to_on_site(client, world)
    assert visit(client, tech, rec2, arrived_at="2026-11-20T16:01:00+08:00")["on_time"] is False


def test_visit_needs_the_visit_started_and_the_right_technician(client, world):
    cs, tech1, tech2 = world["users"]["service"], world["users"]["tech1"], world["users"]["tech2"]
    rec = create(client, cs)
    r = client.post(f"{URL}/{rec['id']}/visits", json={}, headers=api_headers(world["users"]["admin"]))
    assert r.status_code == 409 and r.json["error"]["code"] == "not_on_site"
    rec = to_on_site(client, world)
    assert client.post(f"{URL}/{rec['id']}/visits", json={}, headers=api_headers(tech2)).status_code == 404
    r = client.post(f"{URL}/{rec['id']}/visits", json={"arrived_at": "2026-11-20T18:00:00+08:00"},
                    headers=api_headers(tech1))
    assert r.status_code == 422 and "arrived_at" in r.json["error"]["fields"]  # in the future
    r = client.post(f"{URL}/{rec['id']}/visits", json={"result": "unsolved"}, headers=api_headers(tech1))
    assert r.status_code == 422 and "unsolved" in r.json["error"]["fields"]
    r = client.post(f"{URL}/{rec['id']}/visits", json={"tools": ["x"] * 31}, headers=api_headers(tech1))
    assert r.status_code == 422


def test_a_visit_without_co_signature_cannot_complete(client, world, listener):
    tech = world["users"]["tech1"]
    v = visit(client, tech, to_on_site(client, world))
    r = _complete(client, tech, v)
    assert r.status_code == 409 and r.json["error"]["code"] == "signature_required"
    assert listener.jobs == []
    r = sign(client, tech, v)
    assert r.status_code == 200, r.json
    assert r.json["signature"]["signer_name"] == "刘女士" and r.json["signature"]["kind"] == "drawn"
    r = _complete(client, tech, r.json)
    assert r.status_code == 200 and r.json["state"] == "completed"
    assert _complete(client, tech, r.json).status_code == 409
    img = client.get(f"{VISITS}/{v['id']}/signature", headers=api_headers(tech))
    assert img.status_code == 200 and img.data == png()


@pytest.mark.parametrize("data,kind,field", [
    (b"GIF89a" + b"\0" * 40, "drawn", "file"),
    (b"%PDF-1.4\n", "paper", "file"),
    (b"", "drawn", "file"),
    (None, "drawn", "signer_name"),
])
def test_signature_content_is_checked(client, world, data, kind, field):
    tech = world["users"]["tech1"]
    v = visit(client, tech, to_on_site(client, world))
    r = sign(client, tech, v, data=data, kind=kind, signer="" if field == "signer_name" else "刘女士")
    assert r.status_code == 422 and field in r.json["error"]["fields"], r.json


def test_signature_size_is_bounded(client, world, app):
    from core import settings
    from core.extensions import db

    with app.app_context():
        settings.set_value("service.signature_max_kb", "16")
        db.session.commit()
    tech = world["users"]["tech1"]
    v = visit(client, tech, to_on_site(client, world))
    big = png(400, 400)[:8] + png(400, 400)[8:] + b"\0" * 20_000
    r = sign(client, tech, v, data=big)
    assert r.status_code == 422 and "KB" in r.json["error"]["fields"]["file"]


def test_event_after_commit_only_and_once_per_job(client, world, listener, clock):
    tech, cs = world["users"]["tech1"], world["users"]["service"]
    rec = to_on_site(client, world, dealer_code="D1")
    v = visit(client, tech, rec)
    v = sign(client, tech, v).json
    clock.set(datetime(2026, 11, 20, 16, 45))
    assert _complete(client, tech, v).status_code == 200
    assert len(listener.jobs) == 1
    job, in_tx = listener.jobs[0]
    assert in_tx is False  # fired after the commit
    assert job == {"source": "service", "reference": rec["number"], "department": "customer_service",
                   "completed_at": job["completed_at"], "customer_name": "刘女士", "customer_phone": "13800138000",
                   "dealer_code": "D1"}
    assert job["completed_at"].tzinfo is not None and job["completed_at"].isoformat() == "2026-11-20T08:45:00+00:00"
    # resolving the same request afterwards does not announce it twice
    ok(client, tech, get(client, tech, rec["id"]).json, "resolve")
    assert len(listener.jobs) == 1
    # a phone-only resolution is a job of its own
    other = ok(client, cs, create(client, cs), "reply", answer="x")
    ok(client, cs, other, "resolve")
    assert [j["reference"] for j, _ in listener.jobs] == [rec["number"], other["number"]]


def test_no_event_when_the_transaction_fails(app, client, world, listener, monkeypatch):
    from plugins.service import services

    cs = world["users"]["service"]
    rec = ok(client, cs, create(client, cs), "reply", answer="x")

    def boom(*args, **kwargs):
        raise RuntimeError("notification store down")

    monkeypatch.setattr(services, "notify", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = act(client, cs, rec, "resolve")
    assert r.status_code == 500
    assert listener.jobs == []
    assert get(client, cs, rec["id"]).json["state"] == "replied"


def test_service_report_pdf(client, world):
    tech = world["users"]["tech1"]
    v = visit(client, tech, to_on_site(client, world))
    sign(client, tech, v)
    r = client.get(f"{VISITS}/{v['id']}/report.pdf", headers=api_headers(tech))
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    assert b"STSong-Light" in r.data
    assert client.get(f"{VISITS}/{v['id']}/report.pdf", headers=api_headers(world["users"]["tech2"])).status_code == 404
    assert client.get(f"{VISITS}/{v['id']}", headers=api_headers(world["users"]["dealer1"])).status_code == 404


def test_out_of_warranty_no_repair_is_recorded_before_the_quote_is_accepted(client, world):
    tech = world["users"]["tech1"]
    rec = to_on_site(client, world, purchase_date="2020-01-01")
    assert rec["in_warranty"] is False
    url = f"{URL}/{rec['id']}/visits"
    for data in ({"result": "solved"}, {"result": "unsolved", "unsolved": "驱动损坏", "parts_used": [{"sku": "DRV-1", "qty": 1}]}):
        r = client.post(url, json=data, headers=api_headers(tech))
        assert r.status_code == 409 and r.json["error"]["code"] == "quote_not_accepted", data
    assert get(client, tech, rec["id"]).json["visits"] == []
    # the diagnosis alone may be recorded; the repair once the customer accepted the fee
    assert visit(client, tech, rec, result="unsolved", unsolved="驱动损坏，需更换", parts_used=[])["result"] == "unsolved"
    rec = ok(client, tech, get(client, tech, rec["id"]).json, "quote", fee="80.00")
    rec = ok(client, tech, rec, "accept_quote")
    assert visit(client, tech, rec)["parts_used"] == [{"sku": "DRV-1", "qty": 1}]


def test_service_report_carries_the_signature_image(client, world):
    tech = world["users"]["tech1"]
    v = visit(client, tech, to_on_site(client, world))
    unsigned = client.get(f"{VISITS}/{v['id']}/report.pdf", headers=api_headers(tech)).data
    assert b"/Subtype /Image" not in unsigned
    sign(client, tech, v)
    signed = client.get(f"{VISITS}/{v['id']}/report.pdf", headers=api_headers(tech)).data
    assert b"/Subtype /Image" in signed
