"""Servicedesk: a self-hosted ITSM service desk."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask

from .core.db import POSTGRESQL_ENGINE_OPTIONS
from .core.version import VERSION as __version__  # noqa: F401


def create_app(config_override: dict | None = None) -> Flask:
    """The application factory: a short list of init steps, each owned by its module."""
    from .core.config import load_config

    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(load_config(override=config_override))
    _init_flask_settings(app)
    _init_extensions(app)
    _init_web(app)
    from .audit.handlers import init_audit
    from .blueprints import register_blueprints
    from .notifications.handlers import init_notifications
    from .schedule import init_scheduler
    from .sla.handlers import init_sla

    register_blueprints(app)
    init_audit(app)
    init_notifications(app)
    init_sla(app)
    init_scheduler(app)
    return app


def _init_flask_settings(app: Flask) -> None:
    c = app.config
    c["SQLALCHEMY_DATABASE_URI"] = c["DATABASE_URL"]
    c["SQLALCHEMY_ENGINE_OPTIONS"] = (
        POSTGRESQL_ENGINE_OPTIONS if c["DATABASE_URL"].startswith("postgresql") else {}
    )
    c["MAX_CONTENT_LENGTH"] = c["MAX_REQUEST_BYTES"]
    c["SESSION_COOKIE_HTTPONLY"] = True
    c["SESSION_COOKIE_SAMESITE"] = "Lax"
    c["SESSION_COOKIE_NAME"] = "servicedesk_session"
    # The cookie may live a day; the server-side row enforces the idle and absolute timeouts.
    c["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=24)
    c["REMEMBER_COOKIE_HTTPONLY"] = True
    c["WTF_CSRF_TIME_LIMIT"] = None  # tied to the session instead; long forms must not expire
    c.setdefault("API_TITLE", "Servicedesk API")
    c.setdefault("API_VERSION", "v1")
    c.setdefault("OPENAPI_VERSION", "3.0.3")
    c.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    c.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    c.setdefault("OPENAPI_REDOC_PATH", "docs")
    c.setdefault("OPENAPI_REDOC_URL", "/static/vendor/redoc.standalone.js")
    logging.getLogger("app").setLevel(c["LOG_LEVEL"])


def _init_extensions(app: Flask) -> None:
    import sqlalchemy as sa

    from .auth.sessions import load_user
    from .core.db import configure_sqlite
    from .extensions import babel, csrf, db, login_manager
    from .web.i18n import install_template_gettext, select_locale, select_timezone

    db.init_app(app)
    if app.config["DATABASE_URL"].startswith("sqlite"):
        with app.app_context():
            sa.event.listen(db.engine, "connect", configure_sqlite)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # sessions are checked server-side (auth/sessions.py)
    login_manager.user_loader(load_user)


def _init_web(app: Flask) -> None:
    from .web import init_web

    init_web(app)
