from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext


@click.group("spares")
def spares_group():
    """Spare parts."""


@spares_group.command("remind")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="reference date (default today)")
@with_appcontext
def remind(today):
    """Notify dealers whose last stock report is older than spares.report_max_age_days."""
    from core.toolkit import commit
    from plugins.spares.services import send_report_reminders

    codes = send_report_reminders(today.date() if today else date.today())
    commit()
    click.echo(f"reminded {len(codes)} dealer(s): {', '.join(codes) or '-'}")


@spares_group.command("rebuild-compliance")
@with_appcontext
def rebuild_compliance():
    """Recompute every dealer's compliance summary (after a bulk load, or once after upgrading)."""
    from core.toolkit import commit
    from plugins.spares.summary import rebuild

    count = rebuild()
    commit()
    click.echo(f"compliance of {count} dealer(s) recomputed")


def _bench_command():
    from plugins.spares.bench import bench_data_command

    return bench_data_command


spares_group.add_command(_bench_command())
