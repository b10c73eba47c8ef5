"""Locale and time-zone selection for each request."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_babel import get_translations
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


def request_translations():
    """flask_babel.get_translations(), remembered in Flask-Babel's per-request context beside the locale it
    was made for. A queue page looks up ~300 texts; Flask-Babel finds its context, domain, locale and
    cache again for each (~10 us), this once. force_locale() and refresh() change the context's locale
    object, so a remembered catalog of another language is never used."""
    context = g.get("_flask_babel") if g else None
    memo = getattr(context, "servicedesk_translations", None)
    if memo is not None and memo[0] is getattr(context, "babel_locale", None):
        return memo[1]
    translations = get_translations()
    if context is not None and getattr(context, "babel_locale", None) is not None:
        context.servicedesk_translations = (context.babel_locale, translations)
    return translations


def install_template_gettext(app) -> None:
    """The templates' _() and ngettext() through `request_translations` (as Flask-Babel installs them)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
