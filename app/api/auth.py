"""Bearer-token authentication and scopes for every API blueprint.

The API never looks at the session cookie: it is exempt from CSRF precisely because a browser cannot
be tricked into sending a bearer token. GET/HEAD/OPTIONS need the "read" scope, everything else "write".
"""

from __future__ import annotations

import functools

from flask import g, request
from flask_babel import gettext
from flask_smorest import Blueprint

from ..core.errors import PermissionDenied, ServicedeskError
from ..users.models import Role, User
from ..users.operations import authenticate_token
from .errors import (
    InsufficientScope,
    Unauthenticated,
    UnsupportedMediaType,
    domain_error_response,
    finish_request,
    too_deep_response,
)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
URL_PREFIX = "/api/v1"


def current_user() -> User:
    """The person behind the bearer token of this request."""
    return g.api_user


def authenticate() -> None:
    g.api_user = g.api_token = None
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthenticated(gettext("Send an API token: Authorization: Bearer <token>."))
    token = authenticate_token(credentials.strip())
    if token is None:
        raise Unauthenticated(gettext("The API token is not valid, has expired or was revoked."))
    needed = "read" if request.method in READ_METHODS else "write"
    if needed not in token.scope_set:
        raise InsufficientScope(
            gettext("This token does not have the %(scope)s scope.", scope=needed), {"scope": needed}
        )
    if needed == "write" and token.user.role is Role.auditor:
        raise PermissionDenied(gettext("Auditors have read-only access."))
    g.api_user, g.api_token = token.user, token


class ApiBlueprint(Blueprint):
    """Its operations are grouped under ``tag`` in the OpenAPI document (not the blueprint's name)."""

    def __init__(self, *args, tag: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.tag = tag

    def route(self, rule, *, parameters=None, tags=None, **options):
        return super().route(rule, parameters=parameters, tags=tags or [self.tag], **options)


def make_blueprint(name: str, import_name: str, tag: str, description: str) -> ApiBlueprint:
    """A flask-smorest blueprint under /api/v1 with token auth, JSON errors and one transaction."""
    blp = ApiBlueprint(name, import_name, url_prefix=URL_PREFIX, description=description, tag=tag)
    blp.before_request(authenticate)
    blp.after_request(finish_request)
    blp.register_error_handler(ServicedeskError, domain_error_response)
    blp.register_error_handler(RecursionError, too_deep_response)
    return blp


def accepts(kind: str):
    """Refuse a write whose body is not ``kind`` ("json" or "multipart") with 415, before parsing.

    Place it right under ``@blp.route`` so it runs before the argument parsers.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if kind == "json" and not request.is_json:
                raise UnsupportedMediaType(
                    gettext("Send the request body as JSON with Content-Type: application/json."),
                    {"content_type": request.mimetype or None},
                )
            if kind == "multipart" and request.mimetype != "multipart/form-data":
                raise UnsupportedMediaType(
                    gettext("Send the file as multipart/form-data in the field \"file\"."),
                    {"content_type": request.mimetype or None},
                )
            return view(*args, **kwargs)

        return wrapper

    return decorator
