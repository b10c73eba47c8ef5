"""Request and HTML plumbing shared by every blueprint: layout, errors, security headers, helpers."""

from __future__ import annotations

import logging

from babel import dates
from flask import Flask, g, jsonify, render_template, request
from flask_babel import get_locale, get_timezone, gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from ..core.db import MAX_ID
from ..core.errors import ServicedeskError
from ..core.version import VERSION
from .i18n import LANGUAGES
from .widgets import option_tags

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def error_response(status: int, code: str, message: str, details: dict | None = None):
    if wants_json():
        return jsonify({"error": {"code": code, "message": message, "details": details or {}}}), status
    if request.headers.get("HX-Request") == "true":  # a live form shows the message next to itself
        return render_template("errors/_message.html", message=message), status
    return render_template("errors/error.html", status=status, message=message), status


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route (pages and API): a database id, 1 to MAX_ID; anything else is a 404 before
    the view runs (a 20-digit number would overflow the database's integer). The OpenAPI document shows
    the bounds (flask-smorest documents it as the IntegerConverter it is)."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def init_web(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter

    @app.errorhandler(ServicedeskError)
    def domain_error(exc: ServicedeskError):
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, "csrf_failed", gettext(
            "The form expired or was sent from another site. Go back, reload the page and try again."
        ))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        if exc.code == 413:  # the whole form (all its files) is over MAX_REQUEST_BYTES
            return error_response(413, code, gettext(
                "What you sent is larger than the limit of %(mib)d MiB in total. Send fewer or smaller files.",
                mib=(request.max_content_length or 0) // (1024 * 1024)))
        return error_response(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", gettext("Something went wrong on our side."))

    @app.after_request
    def security_headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith(("/tickets", "/portal", "/api/v1/tickets", "/attachments")):
            h.setdefault("Cache-Control", "no-store")
        return response

    @app.after_request
    def htmx_full_page_redirect(response):
        """A live fragment whose session expired would swap the sign-in page into the list: tell htmx to
        load the redirect target as a whole page instead."""
        if request.headers.get("HX-Request") == "true" and response.status_code in (301, 302, 303):
            location = response.headers["Location"]
            response = app.response_class(status=204)
            response.headers["HX-Redirect"] = location
        return response

    @app.template_filter("dt")
    def format_dt(value, fmt="medium"):
        """A date and time in the user's language and zone ("short", "medium", "long", "full")."""
        if value is None:
            return ""
        return datetime_formatter(fmt)(value)

    @app.template_filter("iso")
    def iso(value):
        return value.isoformat() if value else ""

    app.jinja_env.globals["option_tags"] = option_tags

    @app.context_processor
    def layout_globals():
        return {"languages": LANGUAGES, "get_locale": get_locale, "app_version": VERSION}


def datetime_formatter(fmt: str):
    """Babel's format_datetime for the request's locale and zone, with the pattern parsed once per request:
    a queue page formats a hundred dates, and looking up the locale, the zone and the pattern for each
    took several milliseconds."""
    cache = g.setdefault("_datetime_formatters", {})
    locale, zone = get_locale(), get_timezone()  # keyed by them too: mail texts may force another locale
    key = (fmt, str(locale), str(zone))
    if key not in cache:
        pattern = dates.parse_pattern(
            str(dates.get_datetime_format(fmt, locale=locale))
            .replace("{1}", dates.get_date_format(fmt, locale=locale).pattern)
            .replace("{0}", dates.get_time_format(fmt, locale=locale).pattern))
        cache[key] = lambda value: pattern.apply(value.astimezone(zone), locale)
    return cache[key]
