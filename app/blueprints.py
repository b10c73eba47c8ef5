"""Every blueprint of the application, in one explicit list."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .admin.views import bp as admin
    from .api import init_api
    from .auth import saml_views
    from .auth.account import bp as account
    from .auth.saml import check_config as check_saml_config
    from .auth.views import bp as auth
    from .extensions import csrf
    from .ops.views import bp as ops  # health, readiness, metrics
    from .portal.views import bp as portal
    from .sla.views import bp as sla
    from .tickets.labels import init_labels
    from .tickets.views import bp as tickets
    from .web.views import bp as web

    for blueprint in (web, auth, account, tickets, portal, admin, sla):
        app.register_blueprint(blueprint)
    app.register_blueprint(ops)
    # SAML: the IdP posts to the ACS and SLO endpoints (signed messages, no CSRF token possible)
    app.register_blueprint(saml_views.bp)
    csrf.exempt(saml_views.acs)
    csrf.exempt(saml_views.slo)
    check_saml_config(app.config)
    init_api(app)
    init_labels(app)
