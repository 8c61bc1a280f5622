"""The RMA dashboard widgets render as HTML (not escaped text) with the right numbers."""
from core.testing import login_as

from .conftest import line
from .test_workflow_api import walk_to


def test_dashboard_widgets_are_html_with_counts(app, client, world):
    walk_to(client, world, "submitted")
    walk_to(client, world, "received", lines=[line(sku="STRIP-1M", serial="S-9")])
    login_as(client, "order")
    page = client.get("/").get_data(as_text=True)
    assert "&lt;table" not in page and "&lt;p" not in page
    assert '<span class="badge bg-success" id="rma-overdue-count">0</span>' in page
    assert "STRIP-1M" in page and "<ol" in page


def test_dealer_sees_no_return_statistics(app, client, world):
    walk_to(client, world, "submitted")
    login_as(client, "d1")
    page = client.get("/").get_data(as_text=True)
    assert 'id="rma-overdue-count"' not in page
