"""What the service plugin gives other plugins' pages: the dealers' portal and the audit's review."""
from __future__ import annotations

from flask_babel import gettext as _

from plugins.service import services


def dealer_section(dealer, user) -> list[dict]:
    if user is None or not user.can("service.view"):
        return []
    from flask import url_for

    count, rows = services.dealer_open_requests(dealer, user)
    return [{"key": "service.requests", "title": _("Open service requests"), "count": count,
             "url": url_for("service.list_requests", open="1"),
             "items": [{"label": f"{r.number} {r.customer_name}", "url": services.link(r),
                        "due_on": services.local_date(r.reply_due_at).isoformat()} for r in rows],
             "order": 50}]


def review_inputs(period_from, period_to) -> list[dict]:
    by_channel, (in_time, replied), (good, visits) = services.review_figures(period_from, period_to)
    labels = {"hotline": _("Hotline"), "online": _("Online"), "in_store": _("In store"), "dealer": _("Dealer")}
    figures = [{"label": _("Requests: %(channel)s", channel=labels[c]), "value": by_channel.get(c, 0)}
               for c in labels]
    figures.append({"label": _("Replies within %(hours)s hours", hours=services.settings.get("service.reply_hours")),
                    "value": services.percent(in_time, replied)})
    figures.append({"label": _("On-time arrivals"), "value": services.percent(good, visits)})
    return [{"title": _("Customer service"), "figures": figures}]
