"""Admin-editable business settings: declared by plugins with defaults, overridden in the database.

Every number of the domain rules (deadlines, multipliers, thresholds) is one of these,
never a literal in code. Values are cached per process and re-read when the version of core.users.authcache changes.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from core.errors import ValidationError
from core.extensions import db
from core.model_utils import UTCDateTime, utcnow


class SettingValue(db.Model):
    __tablename__ = "core_setting"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))


def declared() -> dict:
    return current_app.extensions["aftersales"].settings


def _stored() -> dict:
    def load():
        return dict(db.session.execute(select(SettingValue.key, SettingValue.value)).all())

    if has_request_context():
        cache = g.get("_aftersales_settings")
        if cache is None:
            if g.get("_aftersales_settings_changed"):
                cache = load()  # changed in this request's transaction, not yet committed
            else:
                from core.users.authcache import stored_settings

                cache = stored_settings(load)  # per process, behind the auth/config version
            g._aftersales_settings = cache
        return cache
    return load()


def _coerce(decl, raw):
    if decl.type is bool:
        if isinstance(raw, str):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return bool(raw)
    try:
        value = decl.type(raw) if not isinstance(raw, decl.type) else raw
    except (TypeError, ValueError, InvalidOperation):
        raise ValidationError(_("invalid setting"), {decl.key: _("expected %(type)s", type=decl.type.__name__)})
    if decl.minimum is not None and value < decl.minimum:
        raise ValidationError(_("invalid setting"), {decl.key: _(">= %(decl_minimum)s", decl_minimum=decl.minimum)})
    return value


def get(key: str):
    decl = declared().get(key)
    if decl is None:
        raise KeyError(f"undeclared setting {key!r}")
    stored = _stored()
    if key in stored:
        return _coerce(decl, stored[key])
    return decl.default


def set_value(key: str, raw, actor=None) -> None:
    from core import activity

    decl = declared().get(key)
    if decl is None:
        raise ValidationError(_("unknown setting"), {key: _("unknown setting")})
    value = _coerce(decl, raw)
    stored_value = str(value) if isinstance(value, Decimal) else value
    row = db.session.get(SettingValue, key)
    old = row.value if row else decl.default
    if row is None:
        row = SettingValue(key=key, value=stored_value)
        db.session.add(row)
    else:
        row.value = stored_value
    row.updated_by_id = actor.id if actor else None
    db.session.flush()
    activity.log(row_stub(key), "setting_changed", {key: (old, stored_value)}, actor=actor)
    if has_request_context():
        g.pop("_aftersales_settings", None)
        g._aftersales_settings_changed = True


class row_stub:
    """Settings have string keys; the activity log keys them under model 'setting', record 0."""
    __activity_model__ = "setting"

    def __init__(self, key):
        self.key = key
        self.id = 0
