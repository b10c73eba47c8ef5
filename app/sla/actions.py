"""What happens at a warning or a breach: e-mails and webhooks into the outbox (same transaction, one
idempotency key per clock, stage and recipient), priority raised, ticket reassigned (through
app.tickets.operations with actor SYSTEM and a reason). Each action returns what it did, for the ledger.
"""

from __future__ import annotations

import functools
import logging
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext

from ..core.actors import SYSTEM
from ..core.errors import ServicedeskError
from ..extensions import db
from ..notifications.operations import enqueue_email, enqueue_webhook
from ..tickets.models import Priority, Ticket
from ..tickets.operations import update_ticket
from ..users.models import Role, Team, User
from .models import SlaClock, SlaPolicyVersion, SlaTarget
from .policy import raised

log = logging.getLogger(__name__)

WARNING, BREACH = "warning", "breach"

TARGET_NAMES = {
    SlaTarget.acknowledge: "acknowledgement",
    SlaTarget.first_response: "first response",
    SlaTarget.next_response: "next response",
    SlaTarget.resolution: "resolution",
}


def _target_label(target: SlaTarget) -> str:
    return {
        SlaTarget.acknowledge: gettext("acknowledgement"),
        SlaTarget.first_response: gettext("first response"),
        SlaTarget.next_response: gettext("next response"),
        SlaTarget.resolution: gettext("resolution"),
    }[target]


def _team_addresses(team: Team | None) -> list[tuple[str, User | None]]:
    if team is None:
        return []
    if team.email:
        return [(team.email, None)]
    return [(m.email, m) for m in team.members if m.is_active]


def recipients(ticket: Ticket, kinds: list[str]) -> list[tuple[str, User | None]]:
    """(address, user or None) for each recipient kind, without duplicates, in a stable order."""
    found: list[tuple[str, User | None]] = []
    for kind in kinds:
        if kind == "assignee":
            if ticket.assignee is not None and ticket.assignee.is_active:
                found.append((ticket.assignee.email, ticket.assignee))
            else:  # nobody assigned: the team must hear it
                found += _team_addresses(ticket.team)
        elif kind == "team_leads" and ticket.team is not None:
            found += [(m.email, m) for m in ticket.team.members if m.role is Role.lead and m.is_active]
        elif kind == "team":
            found += _team_addresses(ticket.team)
    seen, unique = set(), []
    for address, user in found:
        if address.lower() not in seen:
            seen.add(address.lower())
            unique.append((address, user))
    return unique


def _when(moment, user: User | None) -> str:
    zone = ZoneInfo((user.timezone if user is not None and user.timezone else None)
                    or current_app.config["DEFAULT_TIMEZONE"])
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


@functools.lru_cache(maxsize=64)
def _texts(language: str, stage: str, target: SlaTarget) -> tuple[str, str, str]:
    """The translated target name and the subject and body templates for one language (switching the
    locale is what makes a message slow; the job writes thousands in a run)."""
    with force_locale(language):
        if stage == WARNING:
            subject = gettext("[%(ref)s] SLA warning: %(target)s due %(due)s - %(subject)s")
            body = gettext(
                "The %(target)s target of ticket %(ref)s (%(priority)s) is due at %(due)s.\n\n"
                "%(subject)s\n\n%(link)s\n")
        else:
            subject = gettext("[%(ref)s] SLA breached: %(target)s was due %(due)s - %(subject)s")
            body = gettext(
                "The %(target)s target of ticket %(ref)s (%(priority)s) was due at %(due)s and has been "
                "missed.\n\n%(subject)s\n\n%(link)s\n")
        return str(_target_label(target)), str(subject), str(body)


def _message(stage: str, clock: SlaClock, ticket: Ticket, user: User | None) -> tuple[str, str]:
    link = f"{current_app.config['BASE_URL'].rstrip('/')}/tickets/{ticket.id}"
    target, subject, body = _texts((user.language if user is not None else None) or "en", stage, clock.target)
    values = {"ref": ticket.reference, "subject": ticket.subject, "target": target,
              "due": _when(clock.due_at, user) if clock.due_at else "-", "link": link,
              "priority": ticket.priority.value}
    return subject % values, body % values


def _document(stage: str, clock: SlaClock, ticket: Ticket, version: SlaPolicyVersion) -> dict:
    return {
        "event": f"sla.{stage}",
        "ticket": {"id": ticket.id, "subject": ticket.subject, "priority": ticket.priority.value,
                   "status": ticket.status.value, "team_id": ticket.team_id, "assignee_id": ticket.assignee_id,
                   "url": f"{current_app.config['BASE_URL'].rstrip('/')}/tickets/{ticket.id}"},
        "target": clock.target.value,
        "cycle": clock.cycle,
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "policy": {"id": version.policy_id, "name": version.policy.name, "version": version.number},
    }


def run_actions(stage: str, clock: SlaClock, ticket: Ticket, version: SlaPolicyVersion) -> list[dict]:
    """Carry out the version's actions for `stage`; returns one result per action for the ledger."""
    actions = version.warning_actions if stage == WARNING else version.breach_actions
    results = []
    for index, action in enumerate(actions or []):
        kind = action.get("type")
        try:
            if kind == "notify":
                sent = []
                for address, user in recipients(ticket, action.get("recipients") or []):
                    subject, body = _message(stage, clock, ticket, user)
                    enqueue_email(address, subject, body, key=f"sla:{clock.id}:{stage}:{address.lower()}",
                                  ticket_id=ticket.id)
                    sent.append(address)
                results.append({"type": kind, "to": sent} if sent else {"type": kind, "skipped": "no recipients"})
            elif kind == "webhook":
                enqueue_webhook(action["url"], _document(stage, clock, ticket, version),
                                key=f"sla:{clock.id}:{stage}:webhook:{index}", ticket_id=ticket.id)
                results.append({"type": kind, "url": action["url"]})
            elif kind == "raise_priority":
                higher = raised(ticket.priority.value)
                if higher is None:
                    results.append({"type": kind, "skipped": "already P1"})
                    continue
                old = ticket.priority.value
                update_ticket(ticket, SYSTEM, priority=Priority(higher),
                              reason=f"SLA {stage}: {TARGET_NAMES[clock.target]} "
                                     f"{'overdue' if stage == BREACH else 'due soon'} "
                                     f"(policy {version.policy.name!r} v{version.number})")
                results.append({"type": kind, "from": old, "to": higher})
            elif kind == "reassign":
                team = db.session.get(Team, action.get("team_id"))
                if team is None:
                    results.append({"type": kind, "skipped": f"team {action.get('team_id')} does not exist"})
                    continue
                if ticket.team_id == team.id:
                    results.append({"type": kind, "skipped": f"already with {team.name}"})
                    continue
                update_ticket(ticket, SYSTEM, team=team, assignee=None,
                              reason=f"SLA {stage}: {TARGET_NAMES[clock.target]} "
                                     f"{'overdue' if stage == BREACH else 'due soon'}: reassigned by policy "
                                     f"{version.policy.name!r} v{version.number}")
                results.append({"type": kind, "team": team.name})
            else:
                results.append({"type": str(kind), "skipped": "unknown action"})
        except ServicedeskError as exc:  # e.g. a validation rule of the ticket: record it, go on
            log.warning("SLA %s action %s on ticket %s failed: %s", stage, kind, ticket.id, exc.message)
            results.append({"type": str(kind), "failed": exc.message})
    return results


def team_leads(team_id: int | None) -> list[User]:
    """Active leads of a team (for the UI's "who gets the breach mail")."""
    if team_id is None:
        return []
    return list(db.session.scalars(
        sa.select(User).join(User.teams).where(Team.id == team_id, User.role == Role.lead,
                                               User.is_active_account.is_(True)).order_by(User.name)))
