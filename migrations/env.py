"""One Alembic environment for the core and every enabled plugin.

Each plugin keeps its revisions in ``plugins/<id>/migrations/versions`` on a branch
labelled with its id; ``version_locations`` comes from the enabled manifests, and only the
tables of enabled plugins are compared, so ``aftersales db upgrade`` (= ``upgrade heads``)
applies exactly what the running app needs.
"""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from core.extensions import db
from core.plugin_system import table_owner

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

registry = current_app.extensions["aftersales"]
ENABLED = {"core", *registry.enabled_ids}


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table":
        return table_owner(name, registry.available) in ENABLED
    return True


def run_migrations_offline():
    context.configure(url=str(db.engine.url).replace("%", "%%"), target_metadata=db.metadata,
                      literal_binds=True, include_object=include_object, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata, include_object=include_object,
                          **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
