"""Translatable names of ticket enums, for pages and mail. Use ``label(enum_member)``.

Also the words of machine-made reasons (stored as codes, see reasons.py): ``event_reason(event)`` and
``priority_explanation(ticket)`` for pages and the API, ``reason_text(..., english=True)`` for logs and signals."""

from __future__ import annotations

from types import SimpleNamespace

from flask import g, has_app_context
from flask_babel import get_locale
from flask_babel import gettext as _gettext
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as _ngettext

from .models import Channel, Level, Priority, Status, TicketType
from .reasons import RaiseCause, ReasonCode

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


def _untranslated(singular, plural=None, num=None, **variables):
    if plural is not None:
        variables.setdefault("num", num)
        singular = singular if num == 1 else plural
    return singular % variables if variables else singular


#: how machine reasons are worded: in the reader's language, or in plain English for logs and signals
_READER = SimpleNamespace(gettext=_gettext, ngettext=_ngettext, name=label)
_ENGLISH = SimpleNamespace(gettext=_untranslated, ngettext=_untranslated, name=lambda member: member.value)


def _words(code: ReasonCode, p: dict, words) -> str:
    _, ngettext, name = words.gettext, words.ngettext, words.name
    if code is ReasonCode.created_via:
        return _("via %(channel)s", channel=name(Channel(p["channel"])))
    if code is ReasonCode.priority_matrix:
        parts = [_("impact %(impact)s × urgency %(urgency)s → %(priority)s", impact=name(Level(p["impact"])).lower(),
                   urgency=name(Level(p["urgency"])).lower(), priority=Priority(p["priority"]).value)]
        for step in p.get("raised") or ():
            raised_to = Priority(step["priority"]).value
            if RaiseCause(step["cause"]) is RaiseCause.business_critical_service:
                parts.append(_("raised to %(priority)s: service “%(service)s” is business-critical",
                               priority=raised_to, service=step.get("service", "")))
            else:
                parts.append(_("raised to %(priority)s: requester is a VIP", priority=raised_to))
        return "; ".join(parts)
    if code is ReasonCode.priority_set_by:
        return _("set by %(name)s: %(reason)s", name=p["actor"] or _("System"), reason=p.get("reason", ""))
    if code is ReasonCode.default_team:
        return _("default team of service “%(service)s”", service=p["service"])
    if code is ReasonCode.requester_replied:
        return _("requester replied")
    if code is ReasonCode.auto_closed:
        return ngettext("resolved %(num)d day ago without objection", "resolved %(num)d days ago without objection",
                        int(p["days"]))
    if code is ReasonCode.duplicate_of:
        return _("duplicate of %(ticket)s", ticket=p["ticket"])
    raise ValueError(code)


def reason_text(code: str | None, params: dict | None, *, english: bool = False) -> str | None:
    """A machine reason in words: the reader's language, or plain English (``english``) for logs and signals."""
    if not code:
        return None
    try:
        return _words(ReasonCode(code), params or {}, _ENGLISH if english else _READER)
    except (KeyError, ValueError, TypeError, AttributeError):
        return code  # a code from a newer version, or damaged parameters: the code beats an error page


def event_reason(event) -> str | None:
    """Why a history event happened: the rule's reason in the reader's language, and/or what a person typed."""
    worded = reason_text(event.reason_code, event.reason_params)
    if worded and event.reason:
        return f"{worded}: {event.reason}"
    return worded or event.reason


def priority_explanation(ticket) -> str:
    """Why the ticket has its priority, in the reader's language (a person's override with their words)."""
    params = dict(ticket.priority_reason_params or {})
    if ticket.priority_reason_code == ReasonCode.priority_set_by.value:
        params["reason"] = ticket.priority_reason
    return reason_text(ticket.priority_reason_code, params) or ticket.priority_reason or ""


def init_labels(app) -> None:
    app.jinja_env.globals.update(label=label, transition_label=transition_label, event_reason=event_reason,
                                 priority_explanation=priority_explanation)
