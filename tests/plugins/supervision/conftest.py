"""Fixtures for the supervision tests: an app with only ``supervision`` enabled."""
import pytest

from core.testing import api_headers, make_dealer, make_user


@pytest.fixture
def enabled_plugins():
    return ["supervision"]


class World:
    def __init__(self, client):
        self.client = client
        self.dealer = make_dealer("D1")
        self.users = {
            "sup": make_user("sup", roles=["supervision"]),
            "hr": make_user("hrmgr", roles=["hr"]),
            "cs": make_user("cshead", roles=["customer_service"]),
            "cs2": make_user("csstaff", roles=["customer_service"]),
            "tech": make_user("techhead", roles=["technical"]),
            "admin": make_user("root", roles=["admin"]),
            "auditor": make_user("aud", roles=["auditor"]),
            "dealer": make_user("shop", roles=["dealer"], dealer=self.dealer),
        }
        self.headers = {k: api_headers(u) for k, u in self.users.items()}

    def post(self, who, path, json=None, status=None):
        r = self.client.post("/api/v1" + path, json=json or {}, headers=self.headers[who])
        if status is not None:
            assert r.status_code == status, (path, r.status_code, r.get_json())
        return r

    def get(self, who, path, status=None):
        r = self.client.get("/api/v1" + path, headers=self.headers[who])
        if status is not None:
            assert r.status_code == status, (path, r.status_code, r.get_json())
        return r

    def job(self, reference, completed_at, department="customer_service", grades=None, verified=True):
        job = self.post("sup", "/service-jobs", {"reference": reference, "completed_at": completed_at,
                                                 "department": department, "customer_name": "张三",
                                                 "customer_phone": "13812341234"}, 201).get_json()
        if grades:
            t, q, a = grades
            form = self.post("sup", "/feedback-forms", {"service_job_id": job["id"], "channel": "phone_followup",
                                                        "timeliness": t, "repair_quality": q, "attitude": a},
                             201).get_json()
            if verified:
                self.post("sup", f"/feedback-forms/{form['id']}/verify", {"version": form["version"]}, 200)
        return job

    def complaint(self, received_at, department="customer_service", **kw):
        body = {"channel": "hotline", "received_at": received_at, "customer_name": "李四",
                "customer_phone": "13812341234", "department": department, "description": "slow repair"}
        body.update(kw)
        return self.post("sup", "/complaints", body, 201).get_json()

    def assess(self, month, department="customer_service", status=201):
        return self.post("sup", "/monthly-assessments", {"month": month, "department": department}, status).get_json()


@pytest.fixture
def world(app, client):
    return World(client)
