"""The pages: lists, forms with errors on their fields, the loop through the pages, Chinese copy, the widget."""
from datetime import date

from core.extensions import db
from core.testing import count_queries, login_as
from plugins.audit.models import Audit, Improvement, ManagementReview, Nonconformity

PAGES = ["/audit/audits/", "/audit/programme", "/audit/nonconformities/", "/audit/actions/", "/audit/improvements/",
         "/audit/reviews/", "/audit/templates/", "/audit/audits/new", "/audit/nonconformities/new",
         "/audit/improvements/new", "/audit/templates/new"]


def test_every_page_renders_in_english_and_chinese(app, client, world):
    login_as(client, "auditor")
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    world["users"]["auditor"].language = "zh_CN"
    db.session.commit()
    page = client.get("/audit/audits/").get_data(as_text=True)
    assert "内部审核" in page and "暂无记录" in page
    page = client.get("/audit/templates/").get_data(as_text=True)
    assert "GB/T 27922-2011 售后服务评价指标" in page
    assert "策划内部审核" in client.get("/audit/audits/new").get_data(as_text=True)


def test_the_loop_through_the_pages(app, client, world, clock):
    u = world["users"]
    login_as(client, "auditor")
    r = client.post("/audit/audits/new", data={"title": "", "planned_on": "2026-03-10", "lead_auditor": "auditor",
                                               "departments": ["technical"], "auditors": "tech"})
    assert r.status_code == 422 and "invalid-feedback" in r.get_data(as_text=True)
    r = client.post("/audit/audits/new", data={"title": "x", "planned_on": "2026-03-10", "lead_auditor": "auditor",
                                               "departments": ["technical"], "auditors": "tech"})
    assert r.status_code == 422 and "tech holds role technical" in r.get_data(as_text=True)
    template = db.session.execute(db.text("select id from audit_checklist_template order by id")).scalars().first()
    r = client.post("/audit/audits/new", data={"title": "上半年内审", "planned_on": "2026-03-10", "lead_auditor": "auditor",
                                               "departments": ["technical"], "auditors": "auditor2",
                                               "auditees": "tech", "template_id": str(template)})
    assert r.status_code == 302
    audit = db.session.scalars(db.select(Audit)).one()
    assert audit.number == "IA-2026-001" and len(audit.items) == 12
    assert client.post(f"/audit/audits/{audit.id}/act/start", data={"version": audit.version}).status_code == 302
    db.session.expire_all()
    for i, item in enumerate(audit.items):
        result = "nonconform" if i == 0 else "conform"
        client.post(f"/audit/audits/{audit.id}/items/{item.id}", data={"result": result, "evidence": "查阅记录"})
    page = client.get(f"/audit/audits/{audit.id}").get_data(as_text=True)
    assert "Raise nonconformity" in page
    item = audit.items[0]
    r = client.post("/audit/nonconformities/new", data={"title": "培训记录不全", "severity": "minor", "source": "audit",
                                                        "department": "technical", "owner": "tech",
                                                        "audit_id": audit.id, "audit_item_id": item.id})
    assert r.status_code == 302
    nc = db.session.scalars(db.select(Nonconformity)).one()
    db.session.expire_all()
    r = client.post(f"/audit/audits/{audit.id}/act/report", data={"version": db.session.get(Audit, audit.id).version,
                                                                  "report": "报告正文"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Audit, audit.id).state == "reported"
    # owner analyses and adds an action through the page
    client.get("/logout")
    login_as(client, "tech")
    client.post(f"/audit/nonconformities/{nc.id}/act/analyse",
                data={"version": nc.version, "root_cause": "未执行培训计划", "containment": "补训"})
    client.post(f"/audit/nonconformities/{nc.id}/act/add_action",
                data={"kind": "corrective", "description": "建立台账", "owner": "tech", "due_on": "2026-03-31"})
    db.session.expire_all()
    nc = db.session.get(Nonconformity, nc.id)
    assert nc.state == "analysed" and len(nc.actions) == 1
    client.post(f"/audit/nonconformities/{nc.id}/act/plan", data={"version": nc.version})
    client.post(f"/audit/actions/{nc.actions[0].id}/done", data={"version": nc.actions[0].version, "note": "已建立"})
    db.session.expire_all()
    nc = db.session.get(Nonconformity, nc.id)
    assert nc.state == "verifying"
    # a stale version is refused with a message, the state unchanged
    client.get("/logout")
    login_as(client, "auditor2")
    clock.set(date(2026, 4, 10))
    r = client.post(f"/audit/nonconformities/{nc.id}/act/verify",
                    data={"version": nc.version, "verdict": "effective", "evidence": "抽查"}, follow_redirects=True)
    assert "verification is due on 2026-04-01" not in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Nonconformity, nc.id).state == "closed"
    # the dashboard widget with its chart
    page = client.get("/").get_data(as_text=True)
    assert 'id="audit-count"' in page and "1/2" in page and 'id="audit-programme-warning"' in page


def test_improvements_reviews_and_minutes_pages(app, client, world, clock):
    login_as(client, "boss")
    r = client.post("/audit/improvements/new", data={"title": "回访脚本", "origin": "suggestion", "owner": "cs"})
    assert r.status_code == 302
    imp = db.session.scalars(db.select(Improvement)).one()
    client.post(f"/audit/improvements/{imp.id}/act/approve", data={"version": imp.version})
    db.session.expire_all()
    assert db.session.get(Improvement, imp.id).state == "approved"
    r = client.get("/audit/improvements/export")
    assert r.status_code == 200 and "spreadsheetml" in r.mimetype
    r = client.post("/audit/reviews/new", data={"period_from": "2026-01-01", "period_to": "2026-06-30", "chair": "boss",
                                                "participants": "auditor, tech"})
    assert r.status_code == 302
    review = db.session.scalars(db.select(ManagementReview)).one()
    page = client.get(f"/audit/reviews/{review.id}").get_data(as_text=True)
    assert "Decisions of the previous review" in page
    client.post(f"/audit/reviews/{review.id}/act/hold", data={
        "version": review.version, "held_on": "2026-03-02", "rows": "5", "text_0": "推广回访脚本", "owner_0": "cs",
        "due_on_0": "2026-06-30", "kind_0": "improvement"})
    db.session.expire_all()
    review = db.session.get(ManagementReview, review.id)
    assert review.state == "held" and review.decisions[0]["owner"] == "cs"
    pdf = client.get(f"/audit/reviews/{review.id}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_list_pages_query_counts_are_constant(app, client, world):
    from plugins.audit import services

    u = world["users"]

    def add(k):
        services.create_nonconformity({"title": f"nc {k}", "severity": "minor", "department": "hr", "source": "other",
                                       "owner": "cs"}, u["auditor"])
        services.create_improvement({"title": f"imp {k}", "origin": "other", "owner": "tech"}, u["auditor"])
        db.session.commit()

    login_as(client, "auditor")
    add(0)
    counts = []
    for n in (1, 5):
        for k in range(n):
            add(k + 10 * n)
        row = []
        for url in ("/audit/nonconformities/", "/audit/improvements/", "/audit/actions/", "/"):
            client.get(url)
            with count_queries(app) as q:
                assert client.get(url).status_code == 200
            row.append(q.count)
        counts.append(row)
    assert counts[0] == counts[1]
