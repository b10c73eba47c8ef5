"""Every API error is JSON: {"error": {"code": ..., "message": ..., "details": ...}}.

flask-smorest registers its own HTTPException handler on the whole application (with a different
payload); init_api puts ours back in its place: API paths get the envelope below, with webargs'
validation messages turned into a readable sentence, and every other path keeps the handler the web
layer had registered (HTML error pages).
"""

from __future__ import annotations

import http
from collections.abc import Callable

import marshmallow as ma
from flask import Flask, jsonify, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from ..core.errors import ServicedeskError
from ..extensions import db

API_PREFIX = "/api/"

#: HTTP status -> the error code clients switch on (domain errors bring their own code)
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
}


class Unauthenticated(ServicedeskError):
    status = 401
    code = "unauthorized"


class InsufficientScope(ServicedeskError):
    status = 403
    code = "insufficient_scope"


class UnsupportedMediaType(ServicedeskError):
    status = 415
    code = "unsupported_media_type"


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Stable machine-readable code"})
    message = ma.fields.String(required=True, metadata={"description": "What went wrong, for people"})
    details = ma.fields.Dict(metadata={"description": "Field errors and other context"})


class ErrorSchema(ma.Schema):
    """The body of every error response."""

    error = ma.fields.Nested(ErrorDetailSchema, required=True)


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def json_error(status: int, code: str, message: str, details: dict | None = None, headers=None):
    response = jsonify(error_body(code, message, details))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def _flatten(messages, path: str = "") -> dict[str, list[str]]:
    """{"tags": {0: ["Not a valid string."]}} -> {"tags.0": ["Not a valid string."]}."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = "body" if key == "_schema" else str(key)
            flat.update(_flatten(value, f"{path}.{name}" if path else name))
        return flat
    if isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        return {path or "body": [str(m) for m in messages]}
    if isinstance(messages, list | tuple):
        flat = {}
        for item in messages:
            flat.update(_flatten(item, path))
        return flat
    return {path or "body": [str(messages)]}


def validation_message(fields: dict[str, list[str]]) -> str:
    unknown = sorted(name for name, msgs in fields.items() if "Unknown field." in msgs)
    parts = []
    if unknown:
        parts.append(gettext("Unknown field(s): %(names)s.", names=", ".join(unknown)))
    for name, msgs in sorted(fields.items()):
        rest = [m for m in msgs if m != "Unknown field."]
        if rest:
            parts.append(f"{name}: {' '.join(rest)}")
    return gettext("The request is not valid.") + " " + " ".join(parts)


def _from_webargs(exc: HTTPException) -> tuple[str, str, dict] | None:
    """Code, message and details for a webargs parsing failure (exc.data holds the messages)."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if not messages:
        return None
    locations = messages if isinstance(messages, dict) else {"body": messages}
    if exc.code == 400 and "json" in locations and locations["json"] == ["Invalid JSON body."]:
        return "invalid_json", gettext("The request body is not valid JSON."), {}
    fields: dict[str, list[str]] = {}
    for errors in locations.values():
        fields.update(_flatten(errors))
    details = {"location": ", ".join(str(loc) for loc in locations), "fields": fields}
    return CODES.get(exc.code, "bad_request"), validation_message(fields), details


def http_exception_response(exc: HTTPException):
    status = exc.code or 500
    parsed = _from_webargs(exc)
    if parsed:
        code, message, details = parsed
    elif status == 413:
        code, details = "too_large", {"max_bytes": request.max_content_length}
        message = gettext("The request body is larger than the limit of %(mib)s MiB.",
                          mib=(request.max_content_length or 0) // (1024 * 1024))
    elif status == 404:
        code, message, details = "not_found", gettext("There is no such API endpoint: %(path)s",
                                                      path=request.path), {}
    elif status == 405:
        allowed = sorted(getattr(exc, "valid_methods", None) or [])
        code, details = "method_not_allowed", {"allowed": allowed}
        message = gettext("%(method)s is not allowed here. Allowed: %(allowed)s.",
                          method=request.method, allowed=", ".join(allowed))
    else:
        code, message, details = CODES.get(status, "error"), exc.description or exc.name, {}
    headers = {}
    if status == 405 and details.get("allowed"):
        headers["Allow"] = ", ".join(details["allowed"])
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="servicedesk"'
    return json_error(status, code, message, details, headers)


def domain_error_response(exc: ServicedeskError):
    headers = {"WWW-Authenticate": 'Bearer realm="servicedesk"'} if exc.status == 401 else None
    return json_error(exc.status, exc.code, exc.message, exc.details, headers)


def too_deep_response(_exc: RecursionError):
    """json.loads gives up on absurdly nested bodies with a RecursionError: that is bad input, not a bug."""
    return json_error(400, "invalid_json", gettext("The request body is nested too deeply."))


def install_error_handlers(app: Flask, web_http_handler: Callable | None) -> None:
    """Replace flask-smorest's app-wide HTTPException handler by one that keeps the web layer's pages
    for every path outside the API."""

    def handle_http_exception(exc: HTTPException):
        if is_api_request() or web_http_handler is None:
            return http_exception_response(exc)
        return web_http_handler(exc)

    app.register_error_handler(HTTPException, handle_http_exception)


def finish_request(response):
    """One transaction per request: a failed request changes nothing; a successful one keeps what it
    changed (a write view commits itself; a read may have recorded the token's last use)."""
    if response.status_code >= 400:
        db.session.rollback()
    elif db.session.dirty or db.session.new or db.session.deleted:
        db.session.commit()
    return response


def documents(blp, *statuses: int):
    """Declare the error responses of a view in the OpenAPI document (401 on every API view)."""


    def decorator(view):
        for status in sorted({401, *statuses}, reverse=True):
            view = blp.alt_response(status, response=http.HTTPStatus(status).name)(view)
        return view

    return decorator
