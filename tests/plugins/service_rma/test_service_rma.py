"""A dealer opens a draft return for the unit a technician took back."""
from core.testing import api_headers, login_as
from helpers_service import create, get, ok, to_on_site


def _taken_back(client, world, **over):
    rec = to_on_site(client, world, **over)
    return ok(client, world["users"]["tech1"], rec, "take_back")


def test_dealer_opens_a_draft_return(app, client, world):
    d1 = world["users"]["dealer1"]
    rec = _taken_back(client, world, dealer_code="D1", serial="SN-77")
    url = f"/api/v1/service-requests/{rec['id']}/open-rma"
    r = client.post(url, json={"version": rec["version"]}, headers=api_headers(world["users"]["service"]))
    assert r.status_code == 403  # only the dealer files returns
    r = client.post(url, json={"version": rec["version"] + 1}, headers=api_headers(d1))
    assert r.status_code == 409 and r.json["error"]["code"] == "stale_version"
    r = client.post(url, json={"version": rec["version"]}, headers=api_headers(d1))
    assert r.status_code == 201, r.json
    assert r.json["rma_state"] == "draft" and r.json["request_id"] == rec["id"]
    rma = client.get(f"/api/v1/rmas/{r.json['rma_id']}", headers=api_headers(d1)).json
    assert rma["lines"][0]["sku"] == "PNL-600" and rma["lines"][0]["serial"] == "SN-77"
    again = client.post(url, json={"version": get(client, d1, rec["id"]).json["version"]}, headers=api_headers(d1))
    assert again.status_code == 409 and again.json["error"]["code"] == "already_linked"
    login_as(client, "dealer1")
    assert 'id="service-rma-panel"' in client.get(f"/service/{rec['id']}").get_data(as_text=True)


def test_only_taken_back_dealer_requests(client, world):
    d1 = world["users"]["dealer1"]
    rec = to_on_site(client, world, dealer_code="D1")
    r = client.post(f"/api/v1/service-requests/{rec['id']}/open-rma", json={"version": rec["version"]},
                    headers=api_headers(d1))
    assert r.status_code == 409 and r.json["error"]["code"] == "not_taken_back"
    d1.language = "zh_CN"
    from core.extensions import db

    db.session.commit()
    r = client.post(f"/api/v1/service-requests/{rec['id']}/open-rma", json={"version": rec["version"]},
                    headers=api_headers(d1))
    assert r.json["error"]["message"] == "只有产品已带回维修的服务请求才能新建退货"  # in the dealer's language
    other = _taken_back(client, world, dealer_code="D2")
    r = client.post(f"/api/v1/service-requests/{other['id']}/open-rma", json={"version": other["version"]},
                    headers=api_headers(d1))
    assert r.status_code == 404


def test_page_button(client, world):
    rec = _taken_back(client, world, dealer_code="D1")
    login_as(client, "dealer1")
    page = client.get(f"/service/{rec['id']}").get_data(as_text=True)
    assert 'id="open-rma"' in page
    r = client.post(f"/service-rma/{rec['id']}/open", data={"version": rec["version"]})
    assert r.status_code == 302 and "/rma/" in r.headers["Location"]
    assert 'id="open-rma"' not in client.get(f"/service/{rec['id']}").get_data(as_text=True)
