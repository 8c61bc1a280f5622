"""Migrations: a fresh database upgraded to heads matches the models, for the enabled plugins."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.extensions import db
from core.plugin_system import table_owner


@pytest.fixture
def empty_database_url(tmp_path):
    url = os.environ.get("AFTERSALES_TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        base = make_url(url)
        name = f"aftersales_mig_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"


def _app(url, plugins=None):
    from core import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url}, plugins=plugins)


def test_upgrade_heads_matches_models(empty_database_url):
    app = _app(empty_database_url)
    with app.app_context():
        upgrade(revision="heads")
        reg = app.extensions["aftersales"]
        enabled = {"core", *reg.enabled_ids}

        def include(obj, name, type_, reflected, compare_to):
            if type_ == "table":
                return table_owner(name, reg.available) in enabled
            return True

        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_object": include, "compare_type": True})
            diff = compare_metadata(ctx, db.metadata)
        assert diff == [], f"migrations and models differ: {diff}"
        db.engine.dispose()


def test_core_only_database_upgrades_without_plugin_tables(empty_database_url):
    app = _app(empty_database_url, plugins=[])
    with app.app_context():
        upgrade(revision="heads")
        tables = set(db.inspect(db.engine).get_table_names())
        assert {"core_user", "core_dealer", "core_product"} <= tables
        assert all(t.startswith("core_") or t == "alembic_version" for t in tables), tables
        db.engine.dispose()


def _down_chain(script, head):
    stack, seen = [head], set()
    while stack:
        rev = script.get_revision(stack.pop())
        if rev.revision in seen:
            continue
        seen.add(rev.revision)
        yield rev
        down = rev.down_revision
        stack.extend(down if isinstance(down, tuple) else [down] if down else [])


def test_each_branch_has_exactly_one_head():
    app = _app("sqlite://")
    with app.app_context():
        from flask import current_app

        config = current_app.extensions["migrate"].migrate.get_config()
        script = ScriptDirectory.from_config(config)
        heads = script.get_heads()
        labels = {}
        for head in heads:
            for rev_in_branch in _down_chain(script, head):  # not through depends_on (plugins depend on core_0001)
                for label in rev_in_branch.branch_labels:
                    labels.setdefault(label, set()).add(head)
        assert all(len(h) == 1 for h in labels.values()), labels
        assert "core" in labels
        for pid in app.extensions["aftersales"].enabled_ids:
            from core.plugin_system import discover

            manifest = discover()[pid]
            if (manifest.migrations_path / "versions").is_dir():
                assert pid in labels, f"plugin {pid} has migrations but no branch labelled {pid!r}"



def test_upgrade_runs_the_plugins_upgrade_steps(empty_database_url):
    """A migration that adds a summary table cannot fill it with today's models; ``aftersales db
    upgrade`` runs each plugin's upgrade steps after the migrations: the spares compliance summary,
    empty as migration spares_0002 creates it, answers for the reports that existed before."""
    from datetime import date

    from core.cli import after_upgrade
    from core.testing import make_dealer, make_product
    from plugins.spares import services
    from plugins.spares.models import ComplianceSummary

    app = _app(empty_database_url)
    with app.app_context():
        upgrade(revision="heads")
        make_product("DRV-UPG", is_spare_part=True)
        dealer = make_dealer("UPG1")
        services.create_obligation({"sku": "DRV-UPG", "quantity": 2})
        services.create_stock_report(dealer, date.today(), [("DRV-UPG", 1)])
        db.session.commit()
        db.session.execute(db.delete(ComplianceSummary))  # the table as the migration leaves it
        db.session.commit()
        assert services.non_compliant() == []
        after_upgrade()
        assert [row["dealer_code"] for row in services.non_compliant()] == ["UPG1"]
        db.session.remove()
        db.engine.dispose()
