"""Translatable names of ticket enums, for pages and mail. Use ``label(enum_member)``."""

from __future__ import annotations

from flask import g, has_app_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .models import Channel, Level, Priority, Status, TicketType

LABELS = {
    TicketType.incident: _l("Incident"),
    TicketType.service_request: _l("Service request"),
    TicketType.problem: _l("Problem"),
    TicketType.question: _l("Question"),
    Status.new: _l("New"),
    Status.triage: _l("Triage"),
    Status.in_progress: _l("In progress"),
    Status.awaiting_requester: _l("Awaiting requester"),
    Status.awaiting_third_party: _l("Awaiting third party"),
    Status.testing: _l("Testing"),
    Status.awaiting_validation: _l("Awaiting validation"),
    Status.resolved: _l("Resolved"),
    Status.closed: _l("Closed"),
    Status.rejected: _l("Rejected"),
    Level.high: _l("High"),
    Level.medium: _l("Medium"),
    Level.low: _l("Low"),
    Priority.p1: _l("P1 critical"),
    Priority.p2: _l("P2 high"),
    Priority.p3: _l("P3 medium"),
    Priority.p4: _l("P4 low"),
    Channel.portal: _l("Portal"),
    Channel.email: _l("E-mail"),
    Channel.phone: _l("Phone"),
    Channel.walk_up: _l("Walk-up"),
    Channel.chat: _l("Chat"),
    Channel.api: _l("API"),
    Channel.alert: _l("Monitoring alert"),
}

#: button labels of lifecycle transitions (lifecycle.Transition.label)
TRANSITION_LABELS = {
    "Triage": _l("Triage"),
    "Start work": _l("Start work"),
    "Ask requester": _l("Ask requester"),
    "Resolve": _l("Resolve"),
    "Reject": _l("Reject"),
    "Withdraw": _l("Withdraw"),
    "Back to triage": _l("Back to triage"),
    "Wait for third party": _l("Wait for third party"),
    "Testing": _l("Testing"),
    "Ask requester to validate": _l("Ask requester to validate"),
    "Resume work": _l("Resume work"),
    "Close without answer": _l("Close without answer"),
    "Back to work": _l("Back to work"),
    "Confirm fix": _l("Confirm fix"),
    "Not fixed": _l("Not fixed"),
    "Close": _l("Close"),
    "Reopen": _l("Reopen"),
}


def label(member) -> str:
    """The translated name; cached per request (a queue page asks for the same few names hundreds of times)."""
    cache = g.setdefault("_labels", {}) if has_app_context() else {}
    key = (str(get_locale()), member)
    if key not in cache:
        cache[key] = str(LABELS.get(member, getattr(member, "value", member)))
    return cache[key]


def transition_label(transition) -> str:
    return str(TRANSITION_LABELS.get(transition.label, transition.label))


def init_labels(app) -> None:
    app.jinja_env.globals.update(label=label, transition_label=transition_label)
