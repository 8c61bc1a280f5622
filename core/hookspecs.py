"""THE contract between the core and plugins.

Every hook here returns data (a list of declarations from ``core.declarations``) rather
than mutating the app; the core collects and wires it in. Core areas (users, dealers,
products, web, api) implement these same hooks as internal plugins, so there is one way
to add a menu item, a permission or a blueprint.

Plugins may offer their own hooks to each other with a ``hookspecs.py`` of their own;
those are added before any plugin registers. Hooks named as *events* (``..._changed``)
are fired by ``core.events.emit`` after the surrounding transaction commits, never
inside it, so a listener never sees uncommitted data.

A test fails if any hook here lacks a docstring.
"""
from __future__ import annotations

from core.plugin_system import hookspec


@hookspec
def aftersales_roles():
    """Return a list of :class:`~core.declarations.Role` this plugin introduces.

    Roles are kept in the database by id; declaring one that exists is harmless.
    """


@hookspec
def aftersales_permissions():
    """Return a list of :class:`~core.declarations.Permission`.

    Ids are prefixed with the plugin id (``rma.approve``). ``default_roles`` are granted
    once, when the permission is first seen; after that grants are data an admin edits.
    """


@hookspec
def aftersales_blueprints():
    """Return a list of Flask blueprints serving pages (HTML). Named after the plugin id."""


@hookspec
def aftersales_api_blueprints():
    """Return a list of blueprints for the JSON API; the core nests them under ``/api/v1``.

    Routes should be declared with :func:`core.api.route` so they are authenticated,
    validated and documented in the generated OpenAPI document.
    """


@hookspec
def aftersales_menu_items():
    """Return a list of :class:`~core.declarations.MenuItem` for the navigation bar."""


@hookspec
def aftersales_dashboard_widgets():
    """Return a list of :class:`~core.declarations.Widget` for the dashboard."""


@hookspec
def aftersales_template_slots():
    """Return a list of :class:`~core.declarations.Slot` this plugin's pages render.

    A page renders a slot with ``{{ hook("slot_name", record=...) }}``. Rendering an
    undeclared slot name raises (in debug and testing), so typos surface in tests.
    """


@hookspec
def aftersales_slot_renderers():
    """Return a list of :class:`~core.declarations.SlotRenderer` filling other plugins' slots.

    A renderer for a slot that no enabled plugin declares is ignored (its page is absent).
    """


@hookspec
def aftersales_cli_commands():
    """Return a list of click commands or groups added to the ``aftersales`` command."""


@hookspec
def aftersales_upgrade_steps():
    """Return a list of callables that ``aftersales db upgrade`` runs after every migration, once the
    roles are synchronised (in an app context, one commit after all of them): derived data that a
    migration cannot fill with the models of its own time, e.g. a summary table built from the
    existing records. Each step runs on every upgrade, so it must be idempotent."""


@hookspec
def aftersales_settings():
    """Return a list of :class:`~core.declarations.Setting`: business numbers an admin may change.

    Keys are prefixed with the plugin id (``rma.sla_working_days``).
    """


@hookspec
def aftersales_record_rules():
    """Return a list of :class:`~core.declarations.RecordRule` that widen or narrow row visibility.

    The core rule follows the model's ``__scope__`` (dealer: dealer, agent + distributors,
    regional manager's regions, head office; region; none). A ``widen`` rule is OR-ed with
    it, a ``narrow`` rule AND-ed (even for head office); ``roles`` limits a rule to users
    holding one of them.
    """


@hookspec
def aftersales_activity_labels():
    """Return a dict mapping activity-log action ids (``approve``, ``created``) to translated labels.

    The activity log shows these labels instead of the raw ids; unknown ids show as they are.
    """


@hookspec
def aftersales_chatter():
    """Return a list of :class:`~core.declarations.Chatter`: the models that get a chatter.

    The record's page renders ``{{ chatter(record) }}``; comments, @mentions, attachments
    and the activity log (with the declared field and value labels) come from the core,
    also through ``/api/v1/chatter/<model>/<id>``.
    """


@hookspec
def aftersales_field_labels():
    """Return a list of :class:`~core.declarations.FieldLabels` used by every activity log.

    Changes show ``Label: old → new`` with value labels instead of raw field names and ids.
    """


@hookspec
def aftersales_role_conflicts():
    """Return a list of ``(role_id, role_id)`` pairs no single user may hold together.

    Segregation of duties (002 §2: supervision is separated from execution): creating or
    changing a user whose roles contain both ids of a pair is refused with 422
    ``segregation_of_duties`` naming the two roles; the roles page lists every pair.
    """


@hookspec
def aftersales_dealer_smart_buttons(dealer, user):
    """Return a list of :class:`~core.declarations.SmartButton` for the page of ``dealer``.

    Each is a count of this plugin's records of that dealer that ``user`` may see (use
    ``scoped``), linking to a list filtered to the dealer. Keep it to one query per button.
    """


@hookspec
def aftersales_model_labels():
    """Return ``{model_name: label}``: how people call a record type (the activity page's "Record" column).

    ``model_name`` is the table name (or ``__activity_model__``) written in the activity log.
    """


@hookspec
def aftersales_load_demo(ctx):
    """Load this plugin's demo data; ``ctx`` is a :class:`~core.declarations.DemoContext`.

    Called in dependency order by ``aftersales demo``; must be idempotent (skip what exists).
    Never called outside the demo command and tests.
    """


@hookspec
def aftersales_dealer_status_changed(dealer, old_status, new_status, actor):
    """Event, after commit: a dealer's status changed (for example to ``disqualified``)."""


@hookspec(firstresult=True)
def aftersales_home_url(user):
    """Return the URL ``user`` lands on after logging in (``/portal`` for a dealer user), or None.

    The first non-None answer wins; without one the user lands on the dashboard (``/``), which
    stays reachable for everyone. A ``next`` URL other than ``/`` still takes precedence.
    """
