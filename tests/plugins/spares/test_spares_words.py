"""One English word, two Chinese meanings: "+ New" is 新建, the new-stock pool is 新品 (message contexts)."""
from core.extensions import db
from core.testing import login_as


def test_new_button_and_new_stock_pool_read_differently_in_chinese(app, client, world):
    world.service.language = "zh_CN"
    db.session.commit()
    login_as(client, "service")
    applications = client.get("/spares/applications/").get_data(as_text=True)
    assert "新建" in applications and "新品" not in applications
    stock = client.get("/spares/stock/").get_data(as_text=True)
    assert "新品" in stock
