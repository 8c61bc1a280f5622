"""Spares pages show a refused action like every page (``toolkit.place_form_errors``): a line's error
under the lines with its row in the reader's language, a message no field takes flashed, not lost."""
import html
from datetime import date

from core.extensions import db
from core.errors import ValidationError
from core.testing import login_as
from plugins.spares import services


def test_a_report_line_error_names_its_row_in_the_readers_language(app, client, world):
    world.u1.language = "zh_CN"
    db.session.commit()
    login_as(client, "u1")
    r = client.post("/spares/reports/new", data={"reported_on": date.today().isoformat(), "lines": "DRV 3\nNOPE 1"})
    page = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 422
    textarea = page[page.index('name="lines"'):]
    feedback = textarea[textarea.index("invalid-feedback"):textarea.index("</div>", textarea.index("invalid-feedback"))]
    assert "第 2 行：没有物料号为 'NOPE' 的产品" in feedback
    assert "lines.1" not in page  # the API's key is not shown


def test_stock_movement_flashes_what_no_field_takes(app, client, world, monkeypatch):
    def refuse(body, actor=None):
        raise ValidationError("stock is being counted", {"quantity": "more than the shelf holds",
                                                         "warehouse": "closed for the yearly count"})

    monkeypatch.setattr(services, "record_movement", refuse)
    login_as(client, "admin")
    r = client.post("/spares/stock/", data={"sku": "DRV", "kind": "receipt", "quantity": "5", "pool": "new",
                                            "warranty": "0", "reason": ""})
    page = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 422
    quantity = page[page.index('name="quantity"'):]
    assert "more than the shelf holds" in quantity[:quantity.index("</div>", quantity.index("invalid-feedback"))]
    alerts = [part.split("<")[0] for part in page.split('role="alert">')[1:]]
    assert "stock is being counted" in alerts and "closed for the yearly count" in alerts  # lost before
    assert "warehouse" not in page
