"""``aftersales service remind``: tell assignees (or customer service) about replies overdue or due soon."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("service")
def service_group():
    """Customer service (service requests)."""


@service_group.command("remind")
@with_appcontext
def remind_command():
    """Notify about service requests whose reply is overdue or falls due within service.remind_before_hours."""
    from core.toolkit import events
    from plugins.service import services

    count = services.remind()
    events.commit()
    click.echo(f"{count} service request(s) reminded")
