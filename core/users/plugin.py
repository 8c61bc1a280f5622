"""Users and roles as an internal plugin of the core."""
from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from core.declarations import MenuItem, Permission, Role, Setting
from core.plugin_system import hookimpl

ALL_STAFF = ("admin", "regional_manager", "order_dept", "technical", "customer_service", "supervision", "hr", "auditor")


@hookimpl
def aftersales_roles():
    return [
        Role("admin", _l("Administrator")),
        Role("dealer", _l("Dealer"), scope="dealer"),
        Role("regional_manager", _l("Regional manager"), scope="region"),
        Role("order_dept", _l("Order department")),
        Role("technical", _l("Technical department")),
        Role("customer_service", _l("Customer service department")),
        Role("supervision", _l("Supervision department")),
        Role("hr", _l("Human resources")),
        Role("auditor", _l("Internal auditor")),
    ]


@hookimpl
def aftersales_permissions():
    return [
        Permission("core.users.manage", _l("Manage users"), ("admin",)),
        Permission("core.roles.manage", _l("Manage roles and their permissions"), ("admin",)),
        Permission("core.settings.manage", _l("Change settings"), ("admin",)),
    ]


@hookimpl
def aftersales_settings():
    return [
        Setting("core.login_max_failures", 5, _l("Failed logins before an account is locked"), int, minimum=1),
        Setting("core.lockout_minutes", 15, _l("Minutes an account stays locked"), int, minimum=1),
        Setting("core.password_min_length", 8, _l("Minimum password length"), int, minimum=4),
        Setting("core.token_ttl_hours", 720, _l("Hours an API token stays valid"), int, minimum=1),
        Setting("core.time_zone", "Asia/Shanghai", _l("Business time zone (dates and deadlines)"), str),
        Setting("core.attachment_max_kb", 5120, _l("Largest attachment accepted (KB)"), int, minimum=1),
        Setting("core.session_idle_hours", 8, _l("Hours without activity after which a login session ends"), int, minimum=1),
        Setting("core.session_max_hours", 24, _l("Hours after which a login session ends whatever the activity"), int, minimum=1),
        Setting("core.login_throttle_per_minute", 20, _l("Login and token requests accepted per minute from one address"), int, minimum=1),
        Setting("core.import_max_rows", 5000, _l("Most rows one imported CSV or xlsx file may have"), int, minimum=1),
        Setting("core.idempotency_hours", 24, _l("Hours a POST's Idempotency-Key is remembered"), int, minimum=1),
    ]


@hookimpl
def aftersales_blueprints():
    from core.users.views import bp

    return [bp]


@hookimpl
def aftersales_api_blueprints():
    from core.users.api import bp

    return [bp]


@hookimpl
def aftersales_menu_items():
    return [
        MenuItem("core.users", _l("Users"), "core_users.list_users", "core.users.manage", section="admin", order=10, icon="people"),
        MenuItem("core.roles", _l("Roles"), "core_users.list_roles", "core.roles.manage", section="admin", order=11, icon="shield-lock"),
        MenuItem("core.settings", _l("Settings"), "core_users.edit_settings", "core.settings.manage", section="admin", order=90, icon="sliders"),
    ]


@click.command("create-admin")
@click.argument("username")
@click.option("--password", envvar="AFTERSALES_ADMIN_PASSWORD", help="defaults to $AFTERSALES_ADMIN_PASSWORD, else a prompt")
@with_appcontext
def create_admin(username, password):
    """Create an administrator (or give an existing user the admin role)."""
    from sqlalchemy import select

    from core.errors import DomainError
    from core.events import commit
    from core.extensions import db
    from core.users import services
    from core.users.models import Role, User

    services.sync_roles_and_permissions()
    user = db.session.scalar(select(User).where(User.username == username))
    if user is not None:
        if "admin" not in user.role_ids:
            user.roles = list(user.roles) + [db.session.get(Role, "admin")]
        commit()
        click.echo(f"{username} is an administrator")
        return
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        services.create_user({"username": username, "password": password, "roles": ["admin"],
                              "display_name": username})
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.message}: {exc.fields}")
    commit()
    click.echo(f"created administrator {username}")


@click.command("plugins")
@with_appcontext
def list_plugins():
    """List every installed plugin with version, dependencies and enabled state."""
    reg = current_app.extensions["aftersales"]
    enabled = set(reg.enabled_ids)
    click.echo(f"{'id':<14} {'version':<9} {'enabled':<8} {'depends':<24} summary")
    for m in sorted(reg.available.values(), key=lambda m: m.id):
        click.echo(f"{m.id:<14} {m.version:<9} {'yes' if m.id in enabled else 'no':<8} "
                   f"{','.join(m.depends) or '-':<24} {m.summary}")


@hookimpl
def aftersales_cli_commands():
    from core.cli import demo_command, sync_command

    return [create_admin, list_plugins, demo_command, sync_command]


DEMO_PASSWORD = os.environ.get("AFTERSALES_DEMO_PASSWORD", "demo12345")

DEMO_STAFF = [
    ("admin", "系统管理员", ["admin"]),
    ("order", "订单部 王芳", ["order_dept"]),
    ("tech", "技术部 李强", ["technical"]),
    ("service", "客户服务部 赵敏", ["customer_service"]),
    ("supervisor", "监督部 孙伟", ["supervision"]),
    ("hr", "人力资源部 周洁", ["hr"]),
    ("auditor", "内审员 吴磊", ["auditor"]),
]


@hookimpl
def aftersales_load_demo(ctx):
    from sqlalchemy import select

    from core.extensions import db
    from core.users import services
    from core.users.models import User

    for username, name, roles in DEMO_STAFF:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = services.create_user({"username": username, "password": DEMO_PASSWORD, "display_name": name,
                                         "roles": roles, "language": "zh_CN"})
        ctx.users[username] = user
        ctx.logins.append((username, DEMO_PASSWORD, ", ".join(roles)))
