"""Reads for the agent queues, the portal, the API and reports. Never writes.

Lists use keyset pagination on an indexed sort key plus the id, so page 1000 costs what page 1 costs,
and count at most COUNT_CAP rows instead of the whole table.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from ..core.db import MAX_ID, estimated_rows
from ..core.errors import NotFound, ValidationFailed
from ..extensions import db
from . import search
from .models import OPEN_CONDITION, Attachment, Comment, Priority, Status, Ticket, TicketEvent, TicketType
from .permissions import can_see_internal, require_view, visible_tickets_clause

COUNT_CAP = 1000
MAX_LIMIT = 200

#: sort name -> (columns, descending?)
SORTS = {
    "-created": (("created_at",), True),
    "created": (("created_at",), False),
    "-updated": (("updated_at",), True),
    "priority": (("priority", "created_at"), False),
}


@dataclass
class TicketFilter:
    #: exact statuses; empty means the open ones unless ``include_done``
    statuses: list[Status] = field(default_factory=list)
    include_done: bool = False
    team_id: int | None = None
    #: a user id, or 0 for "unassigned"
    assignee_id: int | None = None
    requester_id: int | None = None
    priorities: list[Priority] = field(default_factory=list)
    types: list[TicketType] = field(default_factory=list)
    service_id: int | None = None
    query: str = ""


@dataclass
class Page:
    items: list[Ticket]
    next_cursor: str | None
    #: number of matches, counted up to COUNT_CAP + 1, or estimated (`count_is_estimate`)
    count: int
    count_is_estimate: bool = False

    @property
    def count_is_capped(self) -> bool:
        return self.count > COUNT_CAP and not self.count_is_estimate


def encode_cursor(values: list) -> str:
    raw = [v.isoformat() if isinstance(v, datetime) else getattr(v, "value", v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> list:
    columns = SORTS[sort][0]
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(columns) + 1 or not isinstance(raw[-1], int):
            raise ValueError
        values = [
            Priority(v) if col == "priority" else datetime.fromisoformat(v) for col, v in zip(columns, raw)
        ]
        # A cursor that decodes but cannot be compared must fail here, not in the database.
        if not 0 <= raw[-1] <= MAX_ID:
            raise ValueError
        for value in values:
            if isinstance(value, datetime):
                if value.tzinfo is None:
                    raise ValueError
                value.astimezone(UTC)
        return values + [raw[-1]]
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationFailed(_("The cursor is not valid; start again from the first page."),
                               {"field": "cursor"}) from None


@dataclass(frozen=True)
class Filtered:
    #: SELECT of the tickets a user may see that match a filter (no order, no page)
    stmt: sa.Select
    #: a text search matching a large part of all tickets (see search.TextMatch)
    broad_search: bool = False

    def count(self) -> tuple[int, bool]:
        """(matches, is an estimate): counted up to COUNT_CAP + 1; estimated by the planner when the
        search is broad (an exact count would read thousands of search documents: 70-150 ms at a
        million tickets for a word in 4 % of them)."""
        if self.broad_search:
            return estimated_rows(db.session, self.stmt.with_only_columns(Ticket.id)), True
        capped = self.stmt.with_only_columns(Ticket.id).limit(COUNT_CAP + 1).subquery()
        return db.session.scalar(sa.select(sa.func.count()).select_from(capped)), False


def visible_filtered(user, f: TicketFilter) -> Filtered:
    """The tickets `user` may see that match the filter."""
    stmt = sa.select(Ticket).where(visible_tickets_clause(user))
    if f.statuses:
        stmt = stmt.where(Ticket.status.in_(f.statuses))
    elif not f.include_done:
        # literally the partial indexes' condition, so the planner can prove they apply
        stmt = stmt.where(sa.text("ticket." + OPEN_CONDITION))
    if f.team_id is not None:
        stmt = stmt.where(Ticket.team_id == f.team_id)
    if f.assignee_id == 0:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif f.assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == f.assignee_id)
    if f.requester_id is not None:
        stmt = stmt.where(Ticket.requester_id == f.requester_id)
    if f.priorities:
        stmt = stmt.where(Ticket.priority.in_(f.priorities))
    if f.types:
        stmt = stmt.where(Ticket.type.in_(f.types))
    if f.service_id is not None:
        stmt = stmt.where(Ticket.service_id == f.service_id)
    if not f.query.strip():
        return Filtered(stmt)
    text = search.match(f.query, include_internal=can_see_internal(user))
    return Filtered(stmt.where(text.clause), text.broad)


def list_tickets(user, f: TicketFilter, sort: str = "-created", limit: int = 50,
                 cursor: str | None = None, with_count: bool = True) -> Page:
    if sort not in SORTS:
        raise ValidationFailed(_("Unknown sort %(sort)s. Use one of: %(sorts)s.", sort=repr(sort),
                                 sorts=", ".join(SORTS)), {"field": "sort"})
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(_("The limit must be between 1 and %(max)d.", max=MAX_LIMIT), {"field": "limit"})
    columns, descending = SORTS[sort]
    keys = [getattr(Ticket, c) for c in columns] + [Ticket.id]
    found = visible_filtered(user, f)
    stmt = found.stmt
    count, estimated = found.count() if with_count else (0, False)
    if cursor:
        after = _decode_cursor(cursor, sort)
        row, bound = sa.tuple_(*keys), sa.tuple_(*[sa.literal(v, k.type) for v, k in zip(after, keys)])
        stmt = stmt.where(row < bound if descending else row > bound)
    stmt = stmt.order_by(*[k.desc() if descending else k.asc() for k in keys]).limit(limit + 1)
    stmt = stmt.options(
        joinedload(Ticket.requester), joinedload(Ticket.assignee), joinedload(Ticket.team),
        joinedload(Ticket.service), joinedload(Ticket.category), selectinload(Ticket.tags),
    )
    items = list(db.session.scalars(stmt).unique())
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor([getattr(last, c) for c in columns] + [last.id])
    return Page(items=items, next_cursor=next_cursor, count=count, count_is_estimate=estimated)




def get_ticket(ticket_id: int) -> Ticket | None:
    if not 0 < ticket_id <= MAX_ID:
        return None
    return db.session.get(Ticket, ticket_id, options=[selectinload(Ticket.watchers), selectinload(Ticket.tags)])


def comments_for(ticket: Ticket, user) -> list[Comment]:
    stmt = sa.select(Comment).where(Comment.ticket_id == ticket.id).options(joinedload(Comment.author))
    if not can_see_internal(user):
        stmt = stmt.where(Comment.is_internal.is_(False))
    return list(db.session.scalars(stmt.order_by(Comment.created_at, Comment.id)))


def attachments_for(ticket: Ticket, user) -> list[Attachment]:
    stmt = sa.select(Attachment).where(Attachment.ticket_id == ticket.id)
    if not can_see_internal(user):
        stmt = stmt.where(Attachment.is_internal.is_(False))
    return list(db.session.scalars(stmt.order_by(Attachment.created_at, Attachment.id)))


def history_for(ticket: Ticket, user) -> list[TicketEvent]:
    stmt = sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).options(joinedload(TicketEvent.actor))
    if not can_see_internal(user):
        stmt = stmt.where(TicketEvent.is_internal.is_(False))
    return list(db.session.scalars(stmt.order_by(TicketEvent.created_at, TicketEvent.id)))


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # "comment" | "event"
    item: object


def timeline_for(ticket: Ticket, user) -> list[TimelineEntry]:
    """Replies, notes and history events in one chronological list (comment events are folded in)."""
    entries = [TimelineEntry(c.created_at, "comment", c) for c in comments_for(ticket, user)]
    entries += [
        TimelineEntry(e.created_at, "event", e) for e in history_for(ticket, user)
        if e.kind.value not in ("comment_added", "note_added")
    ]
    return sorted(entries, key=lambda e: (e.at, e.kind != "event"))


def related_incidents(problem: Ticket, user) -> list[Ticket]:
    stmt = sa.select(Ticket).where(Ticket.problem_id == problem.id, visible_tickets_clause(user))
    return list(db.session.scalars(stmt.order_by(Ticket.created_at.desc()).limit(200)))



def ticket_for(user, ticket_id: int) -> Ticket:
    """The ticket if ``user`` may see it, else NotFound (never reveals that it exists)."""
    return require_view(user, get_ticket(ticket_id), ticket_id)


def tickets_by_ids(user, ids) -> list[Ticket]:
    """The tickets among ``ids`` that ``user`` may see (for bulk actions), in id order."""
    ids = sorted({int(i) for i in ids})[:MAX_LIMIT]
    if not ids:
        return []
    stmt = sa.select(Ticket).where(Ticket.id.in_(ids), visible_tickets_clause(user)).order_by(Ticket.id)
    return list(db.session.scalars(stmt.options(selectinload(Ticket.watchers), selectinload(Ticket.tags))))


def attachment_for(ticket: Ticket, user, attachment_id: int) -> Attachment:
    """An attachment of a ticket ``user`` may see; internal ones only for staff. Else NotFound."""
    attachment = db.session.get(Attachment, attachment_id)
    if (attachment is None or attachment.ticket_id != ticket.id
            or (attachment.is_internal and not can_see_internal(user))):
        raise NotFound(_("Attachment %(id)s does not exist.", id=attachment_id))
    return attachment
