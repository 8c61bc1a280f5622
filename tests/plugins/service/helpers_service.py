"""Shared builders for the service tests."""
import struct
import zlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.testing import api_headers, make_category, make_dealer, make_product, make_region, make_user

CHINA = ZoneInfo("Asia/Shanghai")

URL = "/api/v1/service-requests"
VISITS = "/api/v1/service-visits"


def png(width=20, height=10) -> bytes:
    """A valid white RGB PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff" * (3 * width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def body(**over):
    data = {"channel": "hotline", "received_at": "2026-11-20T09:00:00+08:00", "customer_name": "刘女士",
            "customer_phone": "13800138000", "customer_address": "株洲市天元区", "sku": "PNL-600",
            "serial": "SN001", "purchase_date": "2025-01-10", "problem": "面板灯闪烁"}
    data.update(over)
    return data


def create(client, user, **over):
    r = client.post(URL, json=body(**over), headers=api_headers(user))
    assert r.status_code == 201, r.json
    return r.json


def act(client, user, record, action, **payload):
    payload.setdefault("version", record["version"])
    return client.post(f"{URL}/{record['id']}/{action}", json=payload, headers=api_headers(user))


def ok(client, user, record, action, **payload):
    r = act(client, user, record, action, **payload)
    assert r.status_code == 200, r.json
    return r.json


def get(client, user, record_id):
    return client.get(f"{URL}/{record_id}", headers=api_headers(user))


def to_on_site(client, world, **over):
    """A request replied, scheduled for technician1 (window 11-20 14:00-16:00) and on site."""
    cs, tech = world["users"]["service"], world["users"]["tech1"]
    rec = create(client, cs, **over)
    rec = ok(client, cs, rec, "reply", answer="上门检查", on_site=True)
    rec = ok(client, cs, rec, "schedule", technician="technician1", window_from="2026-11-20T14:00:00+08:00",
             window_to="2026-11-20T16:00:00+08:00")
    return ok(client, tech, rec, "start_visit")


def visit(client, user, record, **over):
    data = {"arrived_at": "2026-11-20T15:30:00+08:00", "tools": ["万用表", "梯子"], "problem_confirmed": True,
            "actual_fault": "驱动虚焊", "work_done": "更换驱动", "parts_used": [{"sku": "DRV-1", "qty": 1}],
            "result": "solved"}
    data.update(over)
    r = client.post(f"{URL}/{record['id']}/visits", json=data, headers=api_headers(user))
    assert r.status_code == 201, r.json
    return r.json


def sign(client, user, v, data=None, signer="刘女士", kind="drawn"):
    import io

    return client.post(f"{VISITS}/{v['id']}/signature", headers=api_headers(user),
                       data={"file": (io.BytesIO(png() if data is None else data), "sig.png"),
                             "signer_name": signer, "kind": kind}, content_type="multipart/form-data")


class Clock:
    """Fixes the plugin's idea of now (Beijing time)."""

    def __init__(self, monkeypatch):
        self.value = datetime(2026, 11, 20, 17, 0, tzinfo=CHINA)
        monkeypatch.setattr("plugins.service.services.now", lambda: self.value)

    def set(self, value: datetime):
        self.value = value if value.tzinfo else value.replace(tzinfo=CHINA)


def make_world():
    east, south = make_region("EAST"), make_region("SOUTH")
    d1 = make_dealer("D1", region=east)
    d2 = make_dealer("D2", region=south)
    lighting = make_category("LIGHTING", warranty_months=36)
    strips = make_category("STRIP", warranty_months=24)
    make_product("PNL-600", category=lighting)
    make_product("STRIP-1M", category=strips)
    users = {
        "service": make_user("cs", roles=["customer_service"]),
        "service2": make_user("cs2", roles=["customer_service"]),
        "tech1": make_user("technician1", roles=["technician"]),
        "tech2": make_user("technician2", roles=["technician"]),
        "technical": make_user("techdept", roles=["technical"]),
        "dealer1": make_user("dealer1", roles=["dealer"], dealer=d1),
        "dealer2": make_user("dealer2", roles=["dealer"], dealer=d2),
        "admin": make_user("admin", roles=["admin"]),
        "order": make_user("order", roles=["order_dept"]),
    }
    return {"dealers": {"D1": d1, "D2": d2}, "users": users, "today": date(2026, 11, 20)}
