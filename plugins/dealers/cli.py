"""``aftersales dealers remind``: contacts due this week and overdue, to each region's managers."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("dealers")
def dealers_group():
    """Dealer relationship jobs."""


@dealers_group.command("remind")
@with_appcontext
def remind_command():
    """Notify regional managers of dealer contacts due this week and overdue."""
    from core.toolkit import events
    from plugins.dealers.services import send_reminders

    sent = send_reminders()
    events.commit()
    for username, (due, overdue) in sorted(sent.items()):
        click.echo(f"{username}: {due} due, {overdue} overdue")
    click.echo(f"{len(sent)} manager(s) notified")
