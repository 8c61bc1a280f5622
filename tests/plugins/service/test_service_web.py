"""Pages (en and zh_CN), the technician's visit page, the dashboard widget, reminders, other plugins' hooks."""
import io
from datetime import date, datetime

from core.extensions import db
from core.testing import api_headers, login_as
from helpers_service import VISITS, create, ok, png, to_on_site, visit


def test_pages_in_english(client, world):
    cs = world["users"]["service"]
    rec = create(client, cs, received_at="2026-11-20T09:00:00+08:00")
    login_as(client, "cs")
    page = client.get("/service/").get_data(as_text=True)
    assert rec["number"] in page and "Service requests" in page and "data-countdown" in page
    detail = client.get(f"/service/{rec['id']}").get_data(as_text=True)
    assert "Reply due" in detail and 'id="form-reply"' in detail and 'id="form-cancel"' in detail
    assert client.get("/service/?state=received&channel=hotline&sort=-reply_due_at&q=刘").status_code == 200
    assert "Nothing matches" in client.get("/service/?q=nobody").get_data(as_text=True)
    assert client.get("/service/signature.js").status_code == 200


def test_pages_in_chinese(client, world):
    cs = world["users"]["service"]
    cs.language = "zh_CN"
    db.session.commit()
    rec = create(client, cs, purchase_date="2020-01-01")
    login_as(client, "cs")
    detail = client.get(f"/service/{rec['id']}").get_data(as_text=True)
    for text in ("服务请求", "答复", "保修期外", "取消"):
        assert text in detail, text
    for english in ("Reply due", "Out of warranty", "Service requests", "Cancel this service request"):
        assert english not in detail, english
    assert "新建服务请求" in client.get("/service/new").get_data(as_text=True)
    r = client.post("/service/new", data={"channel": "hotline", "customer_name": "王", "customer_phone": "123",
                                          "problem": "不亮", "dealer_code": "", "purchase_date": "2026-12-01"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "不是有效的中国电话号码" in page and "不能晚于当前时间" in page
    assert "not a Chinese phone number" not in page


def test_new_request_form(client, world):
    login_as(client, "cs")
    r = client.post("/service/new", data={"channel": "hotline", "customer_name": "王", "customer_phone": "123",
                                          "problem": "不亮", "dealer_code": ""})
    assert r.status_code == 422 and "not a Chinese phone number" in r.get_data(as_text=True)
    r = client.post("/service/new", data={"channel": "hotline", "customer_name": "王", "customer_phone": "13800138000",
                                          "problem": "不亮", "dealer_code": "", "sku": "PNL-600",
                                          "purchase_date": "2026-12-01"})
    assert r.status_code == 422 and "cannot be in the future" in r.get_data(as_text=True)
    r = client.post("/service/new", data={"channel": "hotline", "customer_name": "王", "customer_phone": "13800138000",
                                          "problem": "不亮", "dealer_code": "D1"})
    assert r.status_code == 302


def test_dealer_form_files_for_itself(client, world):
    login_as(client, "dealer1")
    page = client.get("/service/new").get_data(as_text=True)
    assert 'name="dealer_code"' not in page and 'name="channel"' not in page
    r = client.post("/service/new", data={"customer_name": "王", "customer_phone": "13800138000", "problem": "x"})
    assert r.status_code == 302
    detail = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Dealer D1" in detail and 'id="form-' not in detail


def test_actions_through_the_page(client, world):
    cs = world["users"]["service"]
    rec = create(client, cs)
    login_as(client, "cs")
    r = client.post(f"/service/{rec['id']}/reply", data={"version": rec["version"], "answer": "上门", "on_site": "y"})
    assert r.status_code == 302
    r = client.post(f"/service/{rec['id']}/schedule", data={"version": rec["version"] + 1, "technician": "technician1",
                                                            "window_from": "2026-11-21T09:00",
                                                            "window_to": "2026-11-21T08:00"})
    assert r.status_code == 422 and "must be after window_from" in r.get_data(as_text=True)
    r = client.post(f"/service/{rec['id']}/reply", data={"version": 1, "answer": "x"})
    assert r.status_code == 409


def test_technician_visit_page_signature_and_completion(client, world):
    rec = to_on_site(client, world)
    login_as(client, "technician1")
    page = client.get(f"/service/{rec['id']}/visit").get_data(as_text=True)
    assert 'id="visit-form"' in page and "万用表" in page and 'name="viewport"' in page
    r = client.post(f"/service/{rec['id']}/visit", data={"arrived_at": "2026-11-20T15:00", "tools": ["万用表"],
                                                         "problem_confirmed": "y", "work_done": "更换驱动",
                                                         "parts_used": "DRV-1 2\nLED-5", "result": "solved"})
    assert r.status_code == 302, r.get_data(as_text=True)
    page = client.get(f"/service/{rec['id']}/visit").get_data(as_text=True)
    assert 'id="signature-pad"' in page
    v = client.get(f"/api/v1/service-requests/{rec['id']}", headers=api_headers(world["users"]["tech1"])).json["visits"][0]
    assert v["parts_used"] == [{"sku": "DRV-1", "qty": 2}, {"sku": "LED-5", "qty": 1}] and v["on_time"] is True
    r = client.post(f"/service/visits/{v['id']}/complete", data={"version": v["version"]})
    assert r.status_code == 409
    r = client.post(f"/service/visits/{v['id']}/signature",
                    data={"signer_name": "刘女士", "file": (io.BytesIO(png()), "signature.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and r.json["url"].endswith(f"/service/{rec['id']}/visit")
    page = client.get(f"/service/{rec['id']}/visit").get_data(as_text=True)
    assert 'id="signature-image"' in page and 'id="complete-visit"' in page
    r = client.post(f"/service/visits/{v['id']}/complete", data={"version": v["version"] + 1})
    assert r.status_code == 302
    page = client.get(f"/service/{rec['id']}/visit").get_data(as_text=True)
    assert 'id="report-link"' in page
    assert client.get(f"/service/visits/{v['id']}/report.pdf").data.startswith(b"%PDF")


def test_paper_photo_signature(client, world):
    tech = world["users"]["tech1"]
    v = visit(client, tech, to_on_site(client, world))
    login_as(client, "technician1")
    jpeg = b"\xff\xd8\xff\xe0" + b"\0" * 100
    r = client.post(f"/service/visits/{v['id']}/signature", data={"signer_name": "刘女士",
                                                                   "photo": (io.BytesIO(jpeg), "paper.jpg")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    got = client.get(f"{VISITS}/{v['id']}", headers=api_headers(tech)).json
    assert got["signature"]["kind"] == "paper"


def test_dashboard_widget(client, world, clock):
    cs, tech = world["users"]["service"], world["users"]["tech1"]
    create(client, cs, received_at="2026-11-19T08:00:00+08:00")  # overdue at 11-20 17:00
    create(client, cs)
    visit(client, tech, to_on_site(client, world), arrived_at="2026-11-20T15:00:00+08:00")
    visit(client, tech, to_on_site(client, world), arrived_at="2026-11-20T16:30:00+08:00")
    login_as(client, "cs")
    page = client.get("/").get_data(as_text=True)
    assert 'id="service-widget"' in page and "1 replies overdue" in page and "50 % (1 of 2 visits)" in page
    client.post("/logout", data={})
    login_as(client, "technician2")
    page = client.get("/").get_data(as_text=True)
    assert "0 replies overdue" in page and "– (0 of 0 visits)" in page


def test_remind_command(app, client, world, clock):
    from core.notifications import Notification

    cs = world["users"]["service"]
    create(client, cs, received_at="2026-11-19T08:00:00+08:00", assignee="cs2")  # overdue
    create(client, cs, received_at="2026-11-19T20:00:00+08:00")  # due 11-20 20:00, within 4 hours
    create(client, cs, received_at="2026-11-20T16:00:00+08:00")  # not yet
    before = db.session.query(Notification).count()
    result = app.test_cli_runner().invoke(args=["service", "remind"])
    assert result.exit_code == 0 and "2 service request(s) reminded" in result.output
    new = db.session.query(Notification).filter(Notification.id > before).all()
    by_user = {}
    for n in new:
        by_user.setdefault(n.user_id, []).append(n.title)
    assert any("Reply overdue" in t for t in by_user[world["users"]["service2"].id])
    assert any("Reply due soon" in t for t in by_user[cs.id])


def test_other_plugins_hooks(app, client, world):
    import plugins.service as plugin

    cs = world["users"]["service"]
    rec = create(client, cs, dealer_code="D1")
    ok(client, cs, create(client, cs, channel="online"), "reply", answer="x")
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        section = plugin.dealers_portal_sections(dealer=world["dealers"]["D1"], user=world["users"]["dealer1"])
        assert section[0]["key"] == "service.requests" and section[0]["count"] == 1
        assert section[0]["items"][0]["label"].startswith(rec["number"]) and section[0]["items"][0]["due_on"] == "2026-11-21"
        assert plugin.dealers_portal_sections(dealer=world["dealers"]["D2"], user=world["users"]["dealer2"])[0]["count"] == 0
        review = plugin.audit_review_inputs(period_from=date(2026, 11, 1), period_to=date(2026, 11, 30))
        figures = {f["label"]: f["value"] for f in review[0]["figures"]}
        assert figures["Requests: Hotline"] == 1 and figures["Requests: Online"] == 1
        assert figures["Replies within 24 hours"] == "100 %"


def test_activity_and_record_actions_slot(client, world):
    cs = world["users"]["service"]
    rec = ok(client, cs, create(client, cs), "reply", answer="已答复")
    login_as(client, "cs")
    page = client.get(f"/service/{rec['id']}").get_data(as_text=True)
    assert "replied" in page and "已答复" in page


def test_visit_page_in_chinese_ships_its_own_script(client, world):
    """The technician's page: the pad's script is served by the app (no CDN), refusals in Chinese."""
    import re

    tech = world["users"]["tech1"]
    tech.language = "zh_CN"
    db.session.commit()
    rec = to_on_site(client, world)
    v = visit(client, tech, rec, parts_used=[{"sku": "DRV-1", "qty": 2}], tools=["万用表"])
    login_as(client, "technician1")
    page = client.get(f"/service/{rec['id']}/visit").get_data(as_text=True)
    sources = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert "/service/signature.js" in sources and not [s for s in sources if "//" in s]
    assert "DRV-1 × 2" in page and "万用表" in page  # what the customer co-signs
    r = client.post(f"/service/visits/{v['id']}/complete", data={"version": v["version"]})
    page = r.get_data(as_text=True)
    assert r.status_code == 409 and "须有客户会签才能完成上门服务" in page and "co-signature is required" not in page


def test_the_dealer_reads_the_visit_page_without_the_technicians_forms(client, world):
    tech = world["users"]["tech1"]
    rec = to_on_site(client, world, dealer_code="D1")
    visit(client, tech, rec)
    login_as(client, "dealer1")
    page = client.get(f"/service/{rec['id']}/visit").get_data(as_text=True)
    assert "DRV-1 × 1" in page and 'id="awaiting-signature"' in page
    assert 'id="signature-pad"' not in page and 'action="/service/visits/' not in page  # no sign, no complete
