"""The data that hooks return. Plugins describe what they add; the core wires it in."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Role:
    """A role with a stable id (``admin``, ``dealer`` ...).

    ``scope`` says which dealers' rows its holders see: ``all`` (head office),
    ``region`` (the regions they manage) or ``dealer`` (their own dealer, and an agent's
    distributors).
    """
    id: str
    name: Any  # lazy string
    scope: str = "all"


@dataclass(frozen=True)
class Permission:
    """A permission id prefixed by its plugin (``rma.approve``) and the roles granted it by default."""
    id: str
    label: Any
    default_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class MenuItem:
    id: str
    label: Any
    endpoint: str
    permission: str | None = None
    section: str = "main"  # "main", "admin", "portal"
    order: int = 100
    icon: str = "circle"
    roles: tuple[str, ...] = ()  # shown only to these roles when set
    group: str | None = None  # items of one group show as a dropdown in the navigation bar
    group_label: Any = None  # the dropdown's title (taken from the group's first item)
    visible: Callable[[Any], bool] | None = None  # visible(user): a finer rule than the permission


@dataclass(frozen=True)
class Widget:
    """A dashboard card; ``render()`` returns markup, called inside a request."""
    id: str
    title: Any
    render: Callable[[], Any]
    permission: str | None = None
    order: int = 100
    width: int = 6  # Bootstrap columns out of 12


@dataclass(frozen=True)
class Slot:
    """A named place in a page where other plugins may add panels (declared by the page owner).

    ``args`` names the keyword arguments every page passes (``{{ hook("x", record=r) }}``):
    a renderer that cannot be called with exactly them stops start-up, and in tests a page
    passing another argument raises.
    """
    name: str
    doc: str = ""
    args: tuple[str, ...] = ("record",)


@dataclass(frozen=True)
class SlotRenderer:
    """Fills a slot: ``render(**context)`` returns markup or None. Lower priority renders first."""
    slot: str
    render: Callable[..., Any]
    priority: int = 50


@dataclass(frozen=True)
class Setting:
    """An admin-editable business setting with a default. ``type`` is int, float, bool, str or Decimal."""
    key: str
    default: Any
    label: Any
    type: type = int
    help: Any = ""
    minimum: Any = None


@dataclass(frozen=True)
class RecordRule:
    """Changes which rows of ``model`` a user sees: ``clause(user)`` returns an SQL clause or None
    (None: the rule says nothing for this user).

    ``mode="widen"`` (default) OR-s the clause with the model's scope (an agent also sees a
    return filed for it); ``mode="narrow"`` AND-s it (secret inspections hidden from the
    inspected department, even from head-office roles). ``roles`` limits the rule to users
    holding one of them (empty: every user). Odoo's ``ir.rule``: group rules OR, global AND.
    """
    model: type
    clause: Callable[[Any], Any]
    mode: str = "widen"
    roles: tuple[str, ...] = ()

    def __post_init__(self):
        if self.mode not in ("widen", "narrow"):
            raise ValueError(f"RecordRule mode must be 'widen' or 'narrow', not {self.mode!r}")


@dataclass(frozen=True)
class FieldMask:
    """A field only ``roles`` read in clear; others read ``mask(value)`` (default: a masked phone).

    Declared on a model: ``__field_masks__ = (FieldMask("customer_phone", ("supervision",)),)``.
    """
    field: str
    roles: tuple[str, ...]
    mask: Callable[[Any], Any] = None  # type: ignore[assignment]

    def __post_init__(self):
        if self.mask is None:
            from core.security import mask_phone

            object.__setattr__(self, "mask", mask_phone)


@dataclass
class DemoContext:
    """Passed to demo-data hooks; ``users`` and ``dealers`` are filled by earlier loaders."""
    users: dict = field(default_factory=dict)
    dealers: dict = field(default_factory=dict)
    products: dict = field(default_factory=dict)
    logins: list = field(default_factory=list)


@dataclass(frozen=True)
class Chatter:
    """Gives ``model`` a chatter (comments, @mentions, attachments, its activity log with labels).

    ``permission`` is needed (besides seeing the record) to read and post; ``field_labels``
    map a change's field to its label, ``value_labels`` a field to ``{value: label}``,
    ``action_labels`` an activity action id to its label; ``link(record)`` is the record's
    page and ``title(record)`` how a notification names it. ``files=False`` for a record
    that takes no files (the form offers none, a post with files is refused).
    ``author(record, user, reader)`` names a comment's or change's author for ``reader``
    when that identity is not for everyone (a secret inspector's alias); it returns None to
    keep the user's name. The page renders ``{{ chatter(record) }}``.
    """
    model: type
    permission: str | None = None
    field_labels: dict = field(default_factory=dict)
    value_labels: dict = field(default_factory=dict)
    action_labels: dict = field(default_factory=dict)
    link: Callable[[Any], str] | None = None
    title: Callable[[Any], Any] | None = None
    files: bool = True
    author: Callable[[Any, Any, Any], Any] | None = None


@dataclass(frozen=True)
class FieldLabels:
    """Labels for fields and their values shown in every activity log (not tied to one model)."""
    fields: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SmartButton:
    """A count on a record's page linking to the related records (Odoo's smart buttons)."""
    key: str  # prefixed with the plugin id: "rma.returns"
    label: Any
    count: int
    url: str | None = None
    icon: str = "link-45deg"  # a Bootstrap icon name
    order: int = 100
