"""Deployment configuration, read from the environment in one typed place.

Business numbers (deadlines, multipliers, thresholds) are *not* here: they are
admin-editable settings declared by plugins (see ``core.settings``). This module only
holds what differs between deployments: where the database is, the secret key, which
plugins are enabled, mail server.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_PREFIX = "AFTERSALES_"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_path() -> Path:
    path = os.environ.get(ENV_PREFIX + "INSTANCE_PATH")
    if path:
        return Path(path).resolve()
    return (Path(__file__).resolve().parent.parent / "instance").resolve()


def _secret_key(folder: Path) -> str:
    """Use AFTERSALES_SECRET_KEY, else a key generated once and kept in the instance folder."""
    key = os.environ.get(ENV_PREFIX + "SECRET_KEY")
    if key:
        return key
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def from_environment() -> dict:
    folder = instance_path()
    plugins = os.environ.get(ENV_PREFIX + "PLUGINS")
    database_url = os.environ.get(ENV_PREFIX + "DATABASE_URL") or f"sqlite:///{folder / 'aftersales.db'}"
    return {
        "INSTANCE_PATH": str(folder),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": _secret_key(folder),
        # None means every built-in plugin; "" means none.
        "AFTERSALES_PLUGINS": None if plugins is None else [p.strip() for p in plugins.split(",") if p.strip()],
        "SESSION_COOKIE_SECURE": _bool(os.environ.get(ENV_PREFIX + "SESSION_COOKIE_SECURE"), False),
        "SMTP_HOST": os.environ.get(ENV_PREFIX + "SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get(ENV_PREFIX + "SMTP_PORT", "25") or 25),
        "SMTP_USER": os.environ.get(ENV_PREFIX + "SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get(ENV_PREFIX + "SMTP_PASSWORD", ""),
        "SMTP_SENDER": os.environ.get(ENV_PREFIX + "SMTP_SENDER", "aftersales@localhost"),
        "SMTP_TLS": _bool(os.environ.get(ENV_PREFIX + "SMTP_TLS"), False),
        "PREFERRED_URL_SCHEME": os.environ.get(ENV_PREFIX + "URL_SCHEME", "http"),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted
        # (werkzeug ProxyFix); 0 = none (README, Production).
        "PROXY_HOPS": int(os.environ.get(ENV_PREFIX + "PROXY_HOPS", "0") or 0),
    }


DEFAULTS = {
    # no pool_pre_ping (a round trip per checkout): recycle before servers drop idle connections,
    # and ping only connections idle for a while (core.extensions._configure_pool)
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": ["zh_CN", "en"],
    # Validate every JSON API response against its declared schema (on in tests).
    "API_VALIDATE_RESPONSES": False,
    "JSON_SORT_KEYS": False,
}
