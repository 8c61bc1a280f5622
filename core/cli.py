"""The ``aftersales`` command: Flask's CLI with the app factory, plus core commands."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from flask_migrate.cli import db as migrate_db_group


def _create_app():
    from core import create_app

    return create_app()


def call_in_order(hook_name: str, **kwargs):
    """Call a hook's implementations in registration (= dependency) order, not pluggy's LIFO."""
    pm = current_app.extensions["aftersales"].pm
    for impl in getattr(pm.hook, hook_name).get_hookimpls():
        impl.function(**kwargs)


def load_demo_data():
    from core.declarations import DemoContext
    from core.events import commit
    from core.users.services import sync_roles_and_permissions

    sync_roles_and_permissions()
    ctx = DemoContext()
    call_in_order("aftersales_load_demo", ctx=ctx)
    commit()
    return ctx


@click.command("demo")
@with_appcontext
def demo_command():
    """Load demo data (idempotent) and print the demo logins."""
    ctx = load_demo_data()
    click.echo("Demo logins (username / password / roles):")
    for username, password, roles in ctx.logins:
        click.echo(f"  {username:<12} {password:<12} {roles}")


@click.command("sync")
@with_appcontext
def sync_command():
    """Create declared roles and grant newly declared permissions (run after upgrades)."""
    from core.events import commit
    from core.users.services import sync_roles_and_permissions

    sync_roles_and_permissions()
    commit()
    click.echo("roles and permissions synchronised")


def _upgrade_all_heads_by_default():
    """``aftersales db upgrade`` = ``upgrade heads``: the core and every enabled plugin branch."""
    for param in migrate_db_group.commands["upgrade"].params:
        if param.name == "revision":
            param.default = "heads"


_upgrade_all_heads_by_default()


@migrate_db_group.result_callback()
@click.pass_context
def _after_db_command(ctx, *args, **kwargs):
    """``aftersales db upgrade`` also creates declared roles and default grants, then runs the
    plugins' upgrade steps (``aftersales_upgrade_steps``)."""
    if ctx.invoked_subcommand != "upgrade":
        return
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        after_upgrade()


def after_upgrade() -> None:
    """What follows the migrations of an upgrade: roles and grants, then every plugin's upgrade step."""
    from core import _flatten
    from core.events import commit
    from core.users.services import sync_roles_and_permissions

    sync_roles_and_permissions()
    for step in _flatten(current_app.extensions["aftersales"].pm.hook.aftersales_upgrade_steps()):
        step()
    commit()


main = FlaskGroup(name="aftersales", create_app=_create_app, load_dotenv=False,
                  help="aftersales: the after-sales service system.")
