"""Every change to a ticket. Views, the API, mail intake and jobs all come through here.

Operations validate, change, record a history event, keep the search index current, flush and emit a
signal. They never commit: the caller's unit of work (request, job item) does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..catalog.models import Category, Service
from ..core import signals
from ..core.actors import SYSTEM, actor_id
from ..core.clock import utcnow
from ..core.errors import Conflict, InvalidTransition, PermissionDenied, ServicedeskError, ValidationFailed
from ..extensions import db
from ..users.models import Team, User
from ..users.queries import STAFF_ROLES
from . import attachments, lifecycle, search
from .labels import reason_text
from .models import (
    Attachment,
    Channel,
    Comment,
    EventKind,
    Level,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
    TicketType,
)
from .permissions import can_see_internal, can_take_requester_steps
from .priority import compute_priority
from .reasons import Reason, ReasonCode

MAX_SUBJECT = 250
MAX_TEXT = 100_000
#: how the text fields are named in messages
FIELD_NAMES = {"subject": _l("subject"), "description": _l("description"), "body": _l("message"),
               "comment": _l("comment")}
MAX_TAGS = 20


def _role(actor) -> str:
    return lifecycle.STAFF if actor is SYSTEM or actor.is_staff else lifecycle.REQUESTER


def _text(value: str | None, field: str, *, required: bool, limit: int) -> str:
    value = (value or "").replace("\r\n", "\n").replace("\x00", "")
    if required and not value.strip():
        raise ValidationFailed(_("The %(field)s must not be empty.", field=FIELD_NAMES[field]), {"field": field})
    if len(value) > limit:
        raise ValidationFailed(_("The %(field)s is longer than %(limit)d characters.", field=FIELD_NAMES[field],
                                limit=limit), {"field": field})
    return value.strip() if field == "subject" else value


def _record(ticket: Ticket, actor, kind: EventKind, *, field=None, old=None, new=None, reason=None,
            why: Reason | None = None, internal=False) -> TicketEvent:
    """``reason``: what a person typed; ``why``: the rule's reason as a code (worded when shown)."""
    event = TicketEvent(
        ticket_id=ticket.id, actor_id=actor_id(actor), kind=kind, field=field,
        old_value=None if old is None else str(old), new_value=None if new is None else str(new),
        reason=reason, reason_code=why.code.value if why else None, reason_params=why.params if why else None,
        is_internal=internal, created_at=utcnow(),
    )
    db.session.add(event)
    return event


def _display(value) -> str | None:
    """How a field value reads in the history."""
    if value is None:
        return None
    if hasattr(value, "name") and not isinstance(value, str) and hasattr(value, "id"):
        return value.name
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(_display(v) for v in value)
    if isinstance(value, Ticket):
        return value.reference
    return str(value)


def normalize_tags(names) -> list[Tag]:
    cleaned = sorted({n.strip().lower().replace(" ", "-")[:64] for n in names or () if n and n.strip()})
    if not cleaned:
        return []
    if len(cleaned) > MAX_TAGS:
        raise ValidationFailed(_("A ticket can have at most %(max)d tags.", max=MAX_TAGS), {"field": "tags"})
    existing = {t.name: t for t in db.session.scalars(sa.select(Tag).where(Tag.name.in_(cleaned)))}
    tags = []
    for name in cleaned:
        if name not in existing:
            existing[name] = Tag(name=name)
            db.session.add(existing[name])
        tags.append(existing[name])
    return tags


def _priority_for(ticket: Ticket) -> tuple[Priority, Reason]:
    return compute_priority(
        ticket.impact, ticket.urgency,
        is_vip=ticket.requester.is_vip,
        service_name=ticket.service.name if ticket.service else None,
        service_is_critical=bool(ticket.service and ticket.service.is_business_critical),
    )


def _set_priority_reason(ticket: Ticket, why: Reason, typed: str | None = None) -> None:
    ticket.priority_reason_code, ticket.priority_reason_params = why.code.value, why.params
    ticket.priority_reason = (typed or "")[:500]


def create_ticket(
    actor, *, subject: str, description: str = "", type: TicketType = TicketType.incident,
    requester: User | None = None, channel: Channel = Channel.portal,
    impact: Level = Level.medium, urgency: Level = Level.medium,
    service: Service | None = None, category: Category | None = None, tags=(),
    team: Team | None = None, assignee: User | None = None, has_workaround: bool = False,
) -> Ticket:
    requester = requester or actor
    if requester is SYSTEM:
        raise ValidationFailed(_("A ticket needs a requester."), {"field": "requester"})
    if requester is not actor and _role(actor) != lifecycle.STAFF:
        raise PermissionDenied(_("Only staff can open a ticket on someone else's behalf."))
    if not requester.is_active:
        raise ValidationFailed(_("The requester %(email)s is deactivated.", email=requester.email),
                               {"field": "requester"})
    now = utcnow()
    ticket = Ticket(
        subject=_text(subject, "subject", required=True, limit=MAX_SUBJECT),
        description=_text(description, "description", required=False, limit=MAX_TEXT),
        type=type, requester=requester, created_by_id=actor_id(actor), channel=channel,
        impact=impact, urgency=urgency, service=service, category=category,
        tags=normalize_tags(tags), assignee=assignee, has_workaround=has_workaround,
        status=Status.new, created_at=now, updated_at=now, status_changed_at=now,
    )
    team_reason = None
    if team is None and service is not None and service.default_team is not None:
        team, team_reason = service.default_team, Reason(ReasonCode.default_team, {"service": service.name})
    ticket.team = team
    ticket.priority, priority_reason = _priority_for(ticket)
    _set_priority_reason(ticket, priority_reason)
    db.session.add(ticket)
    db.session.flush()
    _record(ticket, actor, EventKind.created, new=ticket.status.value,
            why=Reason(ReasonCode.created_via, {"channel": channel.value}))
    _record(ticket, SYSTEM, EventKind.field_changed, field="priority", new=ticket.priority.value,
            why=priority_reason)
    if team_reason:
        _record(ticket, SYSTEM, EventKind.field_changed, field="team", new=team.name, why=team_reason)
    search.index_ticket(ticket, [])
    db.session.flush()
    signals.ticket_created.send(ticket, actor=actor)
    return ticket


#: fields update_ticket accepts, and whether changing them recomputes the priority
EDITABLE = {
    "subject": False, "description": False, "type": False, "impact": True, "urgency": True,
    "service": True, "category": False, "team": False, "assignee": False, "eta_at": False,
    "has_workaround": False, "tags": False, "priority": False, "problem": False,
}


def update_ticket(ticket: Ticket, actor, *, reason: str | None = None, **changes) -> dict:
    """Change fields; returns {field: (old, new)} of what really changed.

    Setting ``priority`` explicitly overrides the matrix and needs a reason; changing impact, urgency
    or service recomputes it otherwise.
    """
    if _role(actor) != lifecycle.STAFF:
        raise PermissionDenied(_("Only staff can change a ticket's fields."))
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(ngettext("Unknown field: %(names)s.", "Unknown fields: %(names)s.", len(unknown),
                                         names=", ".join(sorted(unknown))))
    if "subject" in changes:
        changes["subject"] = _text(changes["subject"], "subject", required=True, limit=MAX_SUBJECT)
    if "description" in changes:
        changes["description"] = _text(changes["description"], "description", required=False, limit=MAX_TEXT)
    if "tags" in changes:
        changes["tags"] = normalize_tags(changes["tags"])
    if "problem" in changes and changes["problem"] is not None:
        _check_problem_link(ticket, changes["problem"])
    assignee = changes.get("assignee")
    if assignee is not None and (assignee.role not in STAFF_ROLES or not assignee.is_active):
        raise ValidationFailed(_("Tickets can only be assigned to active staff."), {"field": "assignee"})
    if "priority" in changes and changes["priority"] != ticket.priority and not (reason or "").strip():
        raise ValidationFailed(_("Overriding the priority needs a reason."), {"field": "reason"})

    changed: dict[str, tuple] = {}
    for field, new in changes.items():
        old = getattr(ticket, field)
        if (list(old) if field == "tags" else old) == new:
            continue
        changed[field] = (_display(old), _display(new))
        setattr(ticket, field, new)
        _record(ticket, actor, EventKind.field_changed, field=field, old=changed[field][0],
                new=changed[field][1], reason=reason)
    if "priority" not in changes and any(EDITABLE[f] for f in changed):
        priority, why = _priority_for(ticket)
        if priority != ticket.priority:
            _record(ticket, SYSTEM, EventKind.field_changed, field="priority", old=ticket.priority.value,
                    new=priority.value, why=why)
            changed["priority"] = (ticket.priority.value, priority.value)
            ticket.priority = priority
        _set_priority_reason(ticket, why)
    elif "priority" in changed:
        who = None if actor is SYSTEM else actor.name  # None: worded as "System" in the reader's language
        _set_priority_reason(ticket, Reason(ReasonCode.priority_set_by, {"actor": who}), typed=reason)
    if not changed:
        return changed
    ticket.updated_at = utcnow()
    if {"subject", "description"} & changed.keys():
        search.index_ticket(ticket, _comments(ticket))
    db.session.flush()
    signals.ticket_updated.send(ticket, actor=actor, changes=changed)
    return changed


def _comments(ticket: Ticket) -> list[Comment]:
    return list(db.session.scalars(sa.select(Comment).where(Comment.ticket_id == ticket.id)))


def transition_ticket(ticket: Ticket, target: Status, actor, reason: str | None = None, *,
                      why: Reason | None = None) -> None:
    """``reason``: what a person typed; ``why``: the rule's reason when a rule or job takes the step."""
    source = ticket.status
    lifecycle.check_transition(source, target, lifecycle.roles_for(actor, ticket.requester_id), reason)
    now = utcnow()
    ticket.status, ticket.status_changed_at, ticket.updated_at = target, now, now
    if target is Status.resolved:
        ticket.resolved_at = now
    elif target is Status.closed:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    if lifecycle.is_reopen(source, target):
        ticket.reopen_count += 1
        ticket.resolved_at = ticket.closed_at = None
    _record(ticket, actor, EventKind.status_changed, field="status", old=source.value, new=target.value,
            reason=(reason or "").strip() or None, why=why)
    db.session.flush()
    if why is not None and not (reason or "").strip():  # the listeners' ledgers keep plain English
        reason = reason_text(why.code.value, why.params, english=True)
    signals.ticket_status_changed.send(ticket, actor=actor, old=source, new=target, reason=reason)


def add_comment(ticket: Ticket, actor, body: str, *, internal: bool = False,
                channel: Channel = Channel.portal, files: Sequence[attachments.Upload] = ()) -> Comment:
    """A public reply or an internal note, with its ``files``. The text may be empty when files come
    with it. All or nothing: if one file is refused, nothing is kept (the caller rolls back)."""
    body = _text(body, "body", required=not files, limit=MAX_TEXT)
    if internal and not can_see_internal(actor):
        raise PermissionDenied(_("Only staff can write internal notes."))
    if ticket.status is Status.closed:
        raise Conflict(_("The ticket is closed; open a new ticket instead."))
    checked = _check_files(files)
    now = utcnow()
    comment = Comment(ticket_id=ticket.id, author_id=actor_id(actor), body=body, is_internal=internal,
                      channel=channel, created_at=now)
    db.session.add(comment)
    db.session.flush()
    ticket.updated_at = now
    # A member of staff writing on their own ticket answers as its requester, not as the service desk.
    roles = lifecycle.roles_for(actor, ticket.requester_id)
    is_staff_reply = roles == {lifecycle.STAFF} and not internal and actor is not SYSTEM
    if is_staff_reply and ticket.first_response_at is None:
        ticket.first_response_at = now
    _record(ticket, actor, EventKind.note_added if internal else EventKind.comment_added,
            new=str(comment.id), internal=internal)
    if body.strip():
        search.append_comment(ticket.id, body, internal)
    for file in checked:
        _attach(ticket, actor, file, comment, internal)
    db.session.flush()
    signals.comment_added.send(comment, actor=actor)
    # The requester answered what we asked: the clock runs again and the team sees it.
    if not internal and lifecycle.REQUESTER in roles and ticket.status is Status.awaiting_requester:
        transition_ticket(ticket, Status.in_progress, actor, why=Reason(ReasonCode.requester_replied))
    return comment


@dataclass(frozen=True)
class _CheckedFile:
    """An upload stored on disk and found acceptable, not yet attached."""

    name: str
    sha256: str
    size: int
    content_type: str


def _check_file(upload: attachments.Upload) -> _CheckedFile:
    """Store the upload content-addressed and check it; a refused file is not kept on disk."""
    config = current_app.config
    name = attachments.safe_filename(upload.filename)
    sha, size, head = attachments.store(upload.stream, config["DATA_DIR"], config["MAX_ATTACHMENT_BYTES"], name)
    try:
        if size == 0:
            raise ValidationFailed(_("The file %(name)s is empty.", name=repr(name)), {"field": "file"})
        content_type = attachments.detect_type(
            name, upload.declared_type, head, set(config["ALLOWED_ATTACHMENT_TYPES"].split())
        )
    except ValidationFailed:
        _forget_stored([sha])
        raise
    return _CheckedFile(name, sha, size, content_type)


def _check_files(uploads: Sequence[attachments.Upload]) -> list[_CheckedFile]:
    """Check every upload before anything is attached; if one is refused, none is kept."""
    if len(uploads) > attachments.MAX_FILES:
        raise ValidationFailed(_("At most %(max)d files can be sent at once.", max=attachments.MAX_FILES),
                               {"field": "file"})
    checked: list[_CheckedFile] = []
    try:
        for upload in uploads:
            checked.append(_check_file(upload))
    except ServicedeskError:
        _forget_stored([c.sha256 for c in checked])
        raise
    return checked


def _forget_stored(digests: list[str]) -> None:
    """Remove stored files that no attachment row refers to (uploads refused before they were attached)."""
    for sha in set(digests):
        if not db.session.scalar(sa.select(sa.func.count()).where(Attachment.sha256 == sha)):
            Path(attachments.path_for(current_app.config["DATA_DIR"], sha)).unlink(missing_ok=True)


def _attach(ticket: Ticket, actor, file: _CheckedFile, comment: Comment | None, internal: bool) -> Attachment:
    attachment = Attachment(
        ticket_id=ticket.id, comment_id=comment.id if comment else None, uploaded_by_id=actor_id(actor),
        filename=file.name, content_type=file.content_type, size=file.size, sha256=file.sha256,
        is_internal=internal, created_at=utcnow(),
    )
    db.session.add(attachment)
    ticket.updated_at = utcnow()
    _record(ticket, actor, EventKind.attachment_added, new=file.name, internal=internal)
    return attachment


def add_attachments(ticket: Ticket, actor, files: Sequence[attachments.Upload]) -> list[Attachment]:
    """Files on the ticket itself (those sent with a new ticket). All or nothing, as for a reply."""
    attached = [_attach(ticket, actor, file, None, False) for file in _check_files(files)]
    db.session.flush()
    return attached


def add_attachment(ticket: Ticket, actor, filename: str, stream: BinaryIO, declared_type: str | None = None,
                   comment: Comment | None = None, internal: bool = False) -> Attachment:
    """A file on the ticket, or on one of its comments. Files of internal notes, and ``internal``
    ones, are for staff only."""
    internal = internal or bool(comment and comment.is_internal)
    if internal and not can_see_internal(actor):
        raise PermissionDenied(_("Only staff can add internal attachments."))
    attachment = _attach(ticket, actor, _check_file(attachments.Upload(filename, stream, declared_type)), comment,
                         internal)
    db.session.flush()
    return attachment


def _check_problem_link(ticket: Ticket, problem: Ticket) -> None:
    if problem.type is not TicketType.problem:
        raise ValidationFailed(_("%(ticket)s is not a problem ticket.", ticket=problem.reference), {"field": "problem"})
    if problem.id == ticket.id or ticket.type is TicketType.problem:
        raise ValidationFailed(_("Only incidents and requests can be linked to a problem."), {"field": "problem"})


def link_problem(incident: Ticket, problem: Ticket, actor) -> None:
    update_ticket(incident, actor, problem=problem)
    _record(problem, actor, EventKind.linked_problem, new=incident.reference)
    db.session.flush()


def merge_tickets(duplicate: Ticket, target: Ticket, actor, reason: str | None = None) -> None:
    """Fold a duplicate into ``target``: its comments and attachments move, its requester and watchers
    follow the target, and the duplicate is closed pointing at it."""
    if _role(actor) != lifecycle.STAFF:
        raise PermissionDenied(_("Only staff can merge tickets."))
    if duplicate.id == target.id:
        raise ValidationFailed(_("A ticket cannot be merged into itself."))
    if target.merged_into_id is not None or target.status is Status.closed:
        raise Conflict(_("%(ticket)s is closed or merged itself; merge into an open ticket.", ticket=target.reference))
    if duplicate.merged_into_id is not None:
        raise Conflict(_("%(ticket)s was already merged into #%(target)d.", ticket=duplicate.reference,
                           target=duplicate.merged_into_id))
    db.session.execute(sa.update(Comment).where(Comment.ticket_id == duplicate.id).values(ticket_id=target.id))
    db.session.execute(
        sa.update(Attachment).where(Attachment.ticket_id == duplicate.id).values(ticket_id=target.id)
    )
    for person in [duplicate.requester, *duplicate.watchers]:
        if person.id != target.requester_id and person not in target.watchers:
            target.watchers.append(person)
    duplicate.merged_into = target
    typed = (reason or "").strip() or None
    rule = None if typed else Reason(ReasonCode.duplicate_of, {"ticket": target.reference})
    why = typed or reason_text(rule.code.value, rule.params, english=True)  # for the signal's listeners
    _record(duplicate, actor, EventKind.merged, field="merged_into", new=target.reference, reason=typed, why=rule)
    _record(target, actor, EventKind.merged, field="merged_from", new=duplicate.reference, reason=typed, why=rule)
    now = utcnow()
    old_status = duplicate.status
    if old_status is not Status.closed:
        _record(duplicate, actor, EventKind.status_changed, field="status", old=old_status.value,
                new=Status.closed.value, reason=typed, why=rule)
        duplicate.status, duplicate.status_changed_at, duplicate.closed_at = Status.closed, now, now
    duplicate.updated_at = target.updated_at = now
    db.session.flush()
    db.session.expire(target)
    search.index_ticket(target, _comments(target))
    db.session.flush()
    if old_status is not Status.closed:
        # Closing by merge is a status change like any other: the SLA clocks of the duplicate stop.
        signals.ticket_status_changed.send(duplicate, actor=actor, old=old_status, new=Status.closed, reason=why)


def add_watcher(ticket: Ticket, user: User, actor) -> None:
    if user not in ticket.watchers:
        ticket.watchers.append(user)
        _record(ticket, actor, EventKind.field_changed, field="watchers", new=user.name)
        db.session.flush()


def rate_ticket(ticket: Ticket, actor, score: int, comment: str | None = None) -> None:
    """The requester's satisfaction with the resolution (CSAT 1..5)."""
    if not can_take_requester_steps(actor, ticket):
        raise PermissionDenied(_("Only the requester can rate the resolution."))
    if ticket.status not in (Status.resolved, Status.closed):
        raise Conflict(_("A ticket can be rated once it is resolved."))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed(_("The rating must be a whole number from 1 to 5."), {"field": "score"})
    ticket.csat_score = score
    ticket.csat_comment = _text(comment, "comment", required=False, limit=5000) or None
    _record(ticket, actor, EventKind.rated, field="csat", new=str(score), reason=ticket.csat_comment)
    db.session.flush()


def bulk_update(tickets: list[Ticket], actor, *, status: Status | None = None, reason: str | None = None,
                **changes) -> dict[int, str]:
    """Apply the same change to many tickets. Each ticket succeeds or fails on its own;
    returns {ticket id: error message} for the ones that could not be changed (the rest are)."""
    errors: dict[int, str] = {}
    for ticket in tickets:
        try:
            with db.session.begin_nested():
                if changes:
                    update_ticket(ticket, actor, reason=reason, **changes)
                if status is not None and status is not ticket.status:
                    transition_ticket(ticket, status, actor, reason)
        except (ValidationFailed, PermissionDenied, Conflict, InvalidTransition) as exc:
            errors[ticket.id] = exc.message
    return errors


def remove_watcher(ticket: Ticket, user: User, actor) -> None:
    if user in ticket.watchers:
        ticket.watchers.remove(user)
        _record(ticket, actor, EventKind.field_changed, field="watchers", old=user.name)
        db.session.flush()
