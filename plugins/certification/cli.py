"""``aftersales certification remind``: documents due for review, equipment due for calibration (cron)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("certification", help="GB/T 27922 certification.")
def certification_group():
    pass


@certification_group.command("remind")
@with_appcontext
def remind():
    """Notify the auditors and administrators of documents due for review and calibrations due."""
    from core.toolkit import events
    from plugins.certification.services import remind as run

    counts = run()
    events.commit()
    click.echo(f"{counts['documents']} document(s) due for review, {counts['equipment']} equipment item(s) "
               "due for calibration notified")
