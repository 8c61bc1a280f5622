"""``aftersales rma remind``: notify about returns past their working-day deadline (run from cron)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("rma", help="Returns (RMA).")
def rma_group():
    pass


@rma_group.command("remind")
@with_appcontext
def remind():
    """Notify the order and technical departments (and receiving agents) of overdue returns."""
    from core.toolkit import events
    from plugins.rma.services import remind_overdue

    count = remind_overdue()
    events.commit()
    click.echo(f"{count} overdue return(s) notified")


def _bench_command():
    from plugins.rma.bench import bench_data_command

    return bench_data_command


rma_group.add_command(_bench_command())
