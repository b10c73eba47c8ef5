"""Locale and time-zone selection for each request."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

LANGUAGES = {"en": "English", "de": "Deutsch"}


def select_locale() -> str:
    if not has_request_context():  # a job or a command: the installation's language
        return current_app.config["DEFAULT_LANGUAGE"]
    if current_user and current_user.is_authenticated and getattr(current_user, "language", None):
        lang = current_user.language.split("-")[0]
        if lang in LANGUAGES:
            return lang
    return request.accept_languages.best_match(LANGUAGES) or current_app.config["DEFAULT_LANGUAGE"]


def select_timezone() -> str:
    if not has_request_context():
        return current_app.config["DEFAULT_TIMEZONE"]
    if current_user and current_user.is_authenticated and getattr(current_user, "timezone", None):
        return current_user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]
