"""Messages caused by events of lower domains (core/signals.py)."""

from __future__ import annotations

from flask_babel import force_locale, gettext

from ..core import signals
from .operations import enqueue_email


def on_password_reset_requested(user, link: str, expires_at, token_id: int, **_):
    with force_locale(user.language or "en"):
        subject = gettext("Reset your Servicedesk password")
        body = gettext(
            "Hello %(name)s,\n\nsomeone (hopefully you) asked to reset your Servicedesk password. "
            "Open this link within one hour to choose a new one:\n\n%(link)s\n\n"
            "If it was not you, ignore this message: your password stays as it is.\n",
            name=user.name, link=link)
    enqueue_email(user.email, subject, body, key=f"password-reset:{token_id}")


SUBSCRIPTIONS = [(signals.password_reset_requested, on_password_reset_requested)]


def init_notifications(app) -> None:
    for signal, handler in SUBSCRIPTIONS:
        signal.connect(handler, weak=False)
