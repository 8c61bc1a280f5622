"""Small API helpers shared by the audit tests."""
from core.testing import api_headers


def post(client, user, url, body=None, status=None):
    r = client.post(url, json=body or {}, headers=api_headers(user))
    if status is not None:
        assert r.status_code == status, (r.status_code, r.json)
    return r


def get(client, user, url, status=200):
    r = client.get(url, headers=api_headers(user))
    if status is not None:
        assert r.status_code == status, (r.status_code, r.json)
    return r


def act(client, user, url, record, action, status=200, **body):
    return post(client, user, f"{url}/{record['id']}/{action}", {"version": record["version"], **body}, status)


def template_id(client, user):
    items = get(client, user, "/api/v1/audit-checklist-templates").json["items"]
    return next(t["id"] for t in items if t["name"].startswith("GB/T 27922"))


def audit_body(**kw):
    body = {"title": "2026 上半年内审", "planned_on": "2026-03-10", "departments": ["technical", "customer_service"],
            "lead_auditor": "auditor", "auditors": ["auditor2"], "auditees": ["tech", "cs"]}
    body.update(kw)
    return body
