"""Issue 9: each audit record page opens with a status bar: the path with the current step, and the actions the
user may take now, each leading to its form; a reader sees the bar without buttons."""
import re

from core.extensions import db
from core.testing import login_as
from tests.plugins.audit.helpers_audit import audit_body, post

A, N, I, R = "/api/v1/audits", "/api/v1/nonconformities", "/api/v1/improvements", "/api/v1/management-reviews"


def bar(client, url):
    page = client.get(url)
    assert page.status_code == 200, url
    found = re.search(r'<div class="status-bar.*?</ol>', page.get_data(as_text=True), re.S)
    assert found, url
    return found.group(0)


def buttons(html):
    return re.findall(r'<(?:a|button) class="btn btn-sm ([\w-]+)"[^>]*?(?:href="#|form=")act-(\w+)"[^>]*>([^<]*)<', html)


def current(html):
    return re.search(r'<li class="status-step current[^"]*" aria-current="step">([^<]*)</li>', html).group(1)


def as_zh(world, *names):
    for name in names:
        world["users"][name].language = "zh_CN"
    db.session.commit()


def test_audit_and_nonconformity_bars(app, client, world):
    u = world["users"]
    audit = post(client, u["auditor"], A, audit_body(), 201).json
    nc = post(client, u["auditor"], N, {"title": "台账缺失", "severity": "minor", "department": "technical",
                                        "source": "other"}, 201).json
    as_zh(world, "auditor", "tech")
    login_as(client, "auditor")
    html = bar(client, f"/audit/audits/{audit['id']}")
    assert current(html) == "已计划"
    found = buttons(html)
    assert [(c, n) for c, n, _ in found] == [("btn-primary", "start"), ("btn-outline-danger", "cancel")]
    assert all(re.search(r"[\u4e00-\u9fff]", label) for _, _, label in found), found
    page = client.get(f"/audit/audits/{audit['id']}").get_data(as_text=True)
    assert 'id="act-start"' in page and 'id="act-cancel"' in page
    html = bar(client, f"/audit/nonconformities/{nc['id']}")
    assert current(html) == "待处理"
    assert [(c, n) for c, n, _ in buttons(html)] == [("btn-primary", "analyse"), ("btn-outline-danger", "cancel")]
    assert 'href="#act-analyse"' in html
    reader = app.test_client()
    login_as(reader, "tech")
    for url in (f"/audit/audits/{audit['id']}", f"/audit/nonconformities/{nc['id']}"):
        html = bar(reader, url)
        assert 'aria-current="step"' in html and buttons(html) == []


def test_improvement_and_review_bars(app, client, world):
    u = world["users"]
    imp = post(client, u["tech"], I, {"title": "培训台账电子化", "origin": "suggestion", "owner": "tech"}, 201).json
    review = post(client, u["boss"], R, {"period_from": "2026-01-01", "period_to": "2026-06-30", "chair": "boss"},
                  201).json
    as_zh(world, "boss", "tech")
    login_as(client, "boss")
    html = bar(client, f"/audit/improvements/{imp['id']}")
    assert 'aria-current="step"' in html
    assert [(c, n) for c, n, _ in buttons(html)] == [("btn-primary", "approve")]
    assert 'form="act-approve"' in html and re.search(r"[\u4e00-\u9fff]", buttons(html)[0][2])
    html = bar(client, f"/audit/reviews/{review['id']}")
    assert current(html) == "草稿"
    assert [(c, n) for c, n, _ in buttons(html)] == [("btn-primary", "hold")]
    assert 'href="#act-hold"' in html
    assert 'id="act-hold"' in client.get(f"/audit/reviews/{review['id']}").get_data(as_text=True)
    reader = app.test_client()
    login_as(reader, "tech")
    for url in (f"/audit/improvements/{imp['id']}", f"/audit/reviews/{review['id']}"):
        html = bar(reader, url)
        assert 'aria-current="step"' in html and buttons(html) == []
