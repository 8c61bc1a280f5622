"""The compliance page's dealer picker (issue 8): a text input whose choices are fetched from
``/spares/dealers.json`` when first focused, instead of an ``<option>`` per dealer in the page
(2,000 dealers: 127 KB -> 6 KB). A code can still be typed (the form sends ``dealer=<code>``)."""
import re

from core.extensions import db
from core.testing import login_as, make_dealer, make_user, session_login
from core.toolkit import region_managers
from plugins.spares import views


def _picker(html):
    return re.search(r'<input[^>]*name="dealer"[^>]*>\s*<datalist id="spares-dealers" data-options-src="([^"]+)"></datalist>',
                     html)


def test_the_picker_offers_the_dealers_and_still_selects_a_dealer(app, client, world):
    session_login(client, world.service)
    html = client.get("/spares/?dealer=D1").get_data(as_text=True)
    picker = _picker(html)
    assert picker and 'value="D1"' in picker.group(0) and 'list="spares-dealers"' in picker.group(0)
    assert "<option" not in html  # no dealer rendered into the page
    assert "D1 Dealer D1" in html  # the chosen dealer's compliance is shown
    offered = client.get(picker.group(1))
    assert offered.status_code == 200 and offered.json == [["A1", "A1 Dealer A1"], ["D1", "D1 Dealer D1"],
                                                           ["D2", "D2 Dealer D2"]]
    # what the form sends when a dealer is picked or typed selects it
    assert 'value="D2"' in _picker(client.get("/spares/", query_string={"dealer": "D2"}).get_data(as_text=True)).group(0)
    assert client.get("/spares/?dealer=NOPE").status_code == 404


def test_the_picker_is_labelled_in_the_users_language(app, client, world):
    make_user("zh", roles=["customer_service"], language="zh_CN")
    session_login(client, world.service)
    assert 'placeholder="Choose a dealer" aria-label="Dealer"' in client.get("/spares/").get_data(as_text=True)
    other = app.test_client()
    login_as(other, "zh")
    assert 'placeholder="选择经销商" aria-label="经销商"' in other.get("/spares/").get_data(as_text=True)


def test_the_choices_are_the_callers_dealers_and_capped(app, client, world, monkeypatch):
    make_dealer("E9", region=world.east)
    manager = make_user("rm", roles=["regional_manager"])
    db.session.execute(region_managers.insert().values(region_id=world.east.id, user_id=manager.id))
    db.session.commit()
    login_as(client, "rm")
    assert [code for code, _label in client.get("/spares/dealers.json").json] == ["A1", "D1", "E9"]
    monkeypatch.setattr(views, "DEALER_CHOICES", 2)
    assert [code for code, _label in client.get("/spares/dealers.json").json] == ["A1", "D1"]
    dealer = app.test_client()
    session_login(dealer, world.u1)
    assert dealer.get("/spares/dealers.json").json == [["D1", "D1 Dealer D1"]]
    assert 'name="dealer"' not in dealer.get("/spares/").get_data(as_text=True)  # a dealer sees its own page


def test_the_choices_need_a_login_and_the_permission(app, client, world):
    r = client.get("/spares/dealers.json")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    make_user("nobody", roles=[])
    login_as(client, "nobody")
    assert client.get("/spares/dealers.json").status_code == 403
