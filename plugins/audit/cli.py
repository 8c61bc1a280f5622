"""``aftersales audit remind``: lead auditors a week before an audit, owners of overdue actions."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.toolkit import events


@click.group("audit")
def audit_group():
    """Internal audit commands."""


@audit_group.command("remind")
@with_appcontext
def remind_command():
    """Notify lead auditors of upcoming audits and owners of overdue corrective actions."""
    from plugins.audit import services

    result = services.remind()
    events.commit()
    click.echo(f"reminded {result['audits']} lead auditor(s) and {result['actions']} action owner(s)")


@audit_group.command("seed")
@with_appcontext
def seed_command():
    """Add the seeded checklist templates that are missing."""
    from plugins.audit.seed_data import seed_templates
    from core.toolkit import db

    added = seed_templates(db.session)
    db.session.commit()
    click.echo(f"added {added} checklist template(s)")
