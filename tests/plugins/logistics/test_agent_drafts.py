"""An agent reads its distributors' logistics drafts but does not edit, file or delete them
(the same rule as returns)."""
from core.testing import api_headers

from helpers_logistics import URL, act, create, get


def test_agent_reads_but_does_not_edit_a_distributors_draft(app, client, world):
    u = world["users"]
    draft = create(client, u["dist"])
    agent = api_headers(u["agent"])
    assert get(client, u["agent"], draft["id"]).status_code == 200
    r = client.patch(f"{URL}/{draft['id']}", json={"version": draft["version"], "waybill": "X"}, headers=agent)
    assert r.status_code == 403 and r.json["error"]["code"] == "not_own_dealer"  # before: 200
    assert act(client, u["agent"], draft, "file").status_code == 403
    assert client.delete(f"{URL}/{draft['id']}", headers=agent).status_code == 403  # before: 204
    assert get(client, u["dist"], draft["id"]).status_code == 200
    r = client.patch(f"{URL}/{draft['id']}", json={"version": draft["version"], "waybill": "X"},
                     headers=api_headers(u["dist"]))
    assert r.status_code == 200
