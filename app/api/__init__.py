"""REST API v1 (flask-smorest): the same operations and permission rules as the UI.

Bearer tokens only (see auth.py), JSON errors everywhere under /api/ (see errors.py), the OpenAPI
document at /api/v1/openapi.json and a ReDoc page at /api/v1/docs.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from .errors import ErrorSchema, install_error_handlers

#: ReDoc injects its styles and runs its search in a blob: worker; the rest of the CSP stays.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "worker-src blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'none'"
)
SPEC_OPTIONS = {
    "info": {"description": (
        "Authenticate with `Authorization: Bearer <token>` (`servicedesk create-token EMAIL`). "
        "GET needs the read scope, every other method the write scope. Errors are always "
        '`{"error": {"code", "message", "details"}}`. Lists are keyset-paginated: pass '
        "`next_cursor` back as `cursor`."
    )},
    "security": [{"bearerAuth": []}],
}


def init_api(app: Flask) -> None:
    from ..extensions import api, csrf
    from . import conversation, me, sla, tickets

    web_http_handler = app.error_handler_spec[None][None].get(HTTPException)
    api.ERROR_SCHEMA = ErrorSchema  # documents our error envelope as the default error response
    blueprints = (tickets.blp, conversation.comments_blp, conversation.attachments_blp, sla.blp, me.blp)
    # Our tag list replaces the one flask-smorest builds from the blueprints' names.
    tags = [{"name": b.tag, "description": b.description} for b in blueprints]
    api.init_app(app, spec_kwargs={**SPEC_OPTIONS, "tags": tags})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # bearer tokens, never cookies: nothing to forge
    install_error_handlers(app, web_http_handler)

    @app.after_request
    def docs_csp(response):
        if request.endpoint == "api-docs.openapi_redoc":
            response.headers["Content-Security-Policy"] = DOCS_CSP
        return response
