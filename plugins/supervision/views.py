from flask import Blueprint
bp = Blueprint("supervision", __name__, template_folder="templates", url_prefix="/supervision")
public = Blueprint("supervision_public", __name__, template_folder="templates")
def widget_queue(): return ""
def widget_assessment(): return ""
