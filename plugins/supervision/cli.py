"""``aftersales supervision remind``: tell supervision about complaints past their first-response time (cron)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("supervision")
def supervision_group():
    """Supervision department commands."""


@supervision_group.command("remind")
@with_appcontext
def remind_command():
    """Notify the supervision department of open complaints whose first response is overdue."""
    from core.toolkit import events
    from plugins.supervision.services import remind_overdue

    count = remind_overdue()
    events.commit()
    click.echo(f"{count} overdue complaint(s)")
