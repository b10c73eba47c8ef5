from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Category, Service
from ..core.clock import utcnow
from ..core.db import CreatedAtMixin, IdMixin, enum_type
from ..extensions import db
from ..users.models import Team, User


class TicketType(enum.Enum):
    incident = "incident"
    service_request = "service_request"
    problem = "problem"
    question = "question"


class Status(enum.Enum):
    new = "new"
    triage = "triage"
    in_progress = "in_progress"
    awaiting_requester = "awaiting_requester"
    awaiting_third_party = "awaiting_third_party"
    testing = "testing"
    awaiting_validation = "awaiting_validation"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"

    @property
    def is_open(self) -> bool:
        return self not in DONE_STATUSES

    @property
    def is_waiting(self) -> bool:
        """The SLA clock is paused while we wait on someone outside the team."""
        return self in (Status.awaiting_requester, Status.awaiting_third_party)


DONE_STATUSES = frozenset({Status.resolved, Status.closed, Status.rejected})
OPEN_STATUSES = tuple(s for s in Status if s not in DONE_STATUSES)
#: the open-ticket condition exactly as the partial indexes state it (queries must use the same words)
OPEN_CONDITION = "status NOT IN ('resolved', 'closed', 'rejected')"


class Level(enum.Enum):
    """Impact and urgency levels of the ITIL priority matrix."""

    high = "high"
    medium = "medium"
    low = "low"


class Priority(enum.Enum):
    p1 = "P1"
    p2 = "P2"
    p3 = "P3"
    p4 = "P4"

    @property
    def rank(self) -> int:
        """1 (critical) .. 4 (low)."""
        return int(self.value[1])


class Channel(enum.Enum):
    portal = "portal"
    email = "email"
    phone = "phone"
    walk_up = "walk_up"
    chat = "chat"
    api = "api"
    alert = "alert"


ticket_tags = sa.Table(
    "ticket_tag",
    db.metadata,
    sa.Column("ticket_id", sa.ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_ticket_tag_tag_id", "tag_id"),
)

ticket_watchers = sa.Table(
    "ticket_watcher",
    db.metadata,
    sa.Column("ticket_id", sa.ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_ticket_watcher_user_id", "user_id"),
)


class Tag(IdMixin, db.Model):
    __tablename__ = "tag"
    #: lower-case, no spaces
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)


class Ticket(IdMixin, CreatedAtMixin, db.Model):
    __tablename__ = "ticket"
    type: Mapped[TicketType] = mapped_column(enum_type(TicketType))
    status: Mapped[Status] = mapped_column(enum_type(Status), default=Status.new)
    subject: Mapped[str] = mapped_column(sa.String(250))
    #: plain text as entered; always rendered escaped
    description: Mapped[str] = mapped_column(sa.Text, default="")
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"))
    #: who typed it in (the agent logging a phone call; the requester on the portal)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id", ondelete="SET NULL"))
    impact: Mapped[Level] = mapped_column(enum_type(Level), default=Level.medium)
    urgency: Mapped[Level] = mapped_column(enum_type(Level), default=Level.medium)
    priority: Mapped[Priority] = mapped_column(enum_type(Priority), default=Priority.p3)
    #: why the priority is what it is, as a code (reasons.ReasonCode: the matrix cell and what raised it, or
    #: a person's override) with its parameters; worded in the reader's language by labels.priority_explanation
    priority_reason_code: Mapped[str | None] = mapped_column(sa.String(40))
    priority_reason_params: Mapped[dict | None] = mapped_column(sa.JSON)
    #: the words of the person who overrode the priority, as typed (empty when the matrix decided)
    priority_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    #: for defects: a workaround exists (lowers the severity of the same impact)
    has_workaround: Mapped[bool] = mapped_column(default=False)
    #: estimated time of resolution given to the requester once the ticket is analysed
    eta_at: Mapped[datetime | None]
    #: incident -> the problem that is its root cause
    problem_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket.id", ondelete="SET NULL"))
    #: a duplicate points at the ticket it was merged into
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    #: requester's rating of the resolution, 1..5
    csat_score: Mapped[int | None]
    csat_comment: Mapped[str | None] = mapped_column(sa.Text)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    team: Mapped[Team | None] = relationship()
    service: Mapped[Service | None] = relationship()
    category: Mapped[Category | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=ticket_tags, order_by=Tag.name)
    watchers: Mapped[list[User]] = relationship(secondary=ticket_watchers)
    problem: Mapped[Ticket | None] = relationship(remote_side="Ticket.id", foreign_keys=[problem_id])
    merged_into: Mapped[Ticket | None] = relationship(remote_side="Ticket.id", foreign_keys=[merged_into_id])

    __table_args__ = (
        # Queue views: newest first within a status/team/assignee, keyset on (created_at, id).
        sa.Index("ix_ticket_status_created", "status", "created_at", "id"),
        sa.Index("ix_ticket_team_status_created", "team_id", "status", "created_at", "id"),
        sa.Index("ix_ticket_assignee_status_created", "assignee_id", "status", "created_at", "id"),
        sa.Index("ix_ticket_requester_created", "requester_id", "created_at", "id"),
        sa.Index("ix_ticket_created", "created_at", "id"),
        sa.Index("ix_ticket_updated", "updated_at", "id"),
        sa.Index("ix_ticket_priority_created", "priority", "created_at", "id"),
        sa.Index("ix_ticket_problem_id", "problem_id"),
        # Open-ticket queues (migration 0005): only open rows, so a sorted walk touches what it returns.
        *(sa.Index(name, *columns, postgresql_where=sa.text(OPEN_CONDITION), sqlite_where=sa.text(OPEN_CONDITION))
          for name, columns in {
              "ix_ticket_open_created": ("created_at", "id"),
              "ix_ticket_open_team_created": ("team_id", "created_at", "id"),
              "ix_ticket_open_assignee_created": ("assignee_id", "created_at", "id"),
              "ix_ticket_open_priority_created": ("priority", "created_at", "id"),
          }.items()),
        sa.CheckConstraint("csat_score IS NULL OR csat_score BETWEEN 1 AND 5", name="csat_range"),
    )

    @property
    def reference(self) -> str:
        return f"#{self.id}"


class Comment(IdMixin, CreatedAtMixin, db.Model):
    __tablename__ = "comment"
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: plain text; always rendered escaped
    body: Mapped[str] = mapped_column(sa.Text)
    #: internal notes are for staff only: never shown or mailed to the requester
    is_internal: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel), default=Channel.portal)

    author: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_comment_ticket_created", "ticket_id", "created_at"),)


class Attachment(IdMixin, CreatedAtMixin, db.Model):
    __tablename__ = "attachment"
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comment.id", ondelete="SET NULL"))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: sanitised display name; never used as a path
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(127))
    size: Mapped[int]
    #: SHA-256 of the content; also its file name under DATA_DIR/attachments
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: attachments of internal notes are internal too
    is_internal: Mapped[bool] = mapped_column(default=False)

    uploaded_by: Mapped[User | None] = relationship()


class EventKind(enum.Enum):
    created = "created"
    field_changed = "field_changed"
    status_changed = "status_changed"
    comment_added = "comment_added"
    note_added = "note_added"
    attachment_added = "attachment_added"
    linked_problem = "linked_problem"
    merged = "merged"
    rated = "rated"


class TicketEvent(IdMixin, CreatedAtMixin, db.Model):
    """One line of a ticket's history: who, when, what changed from what to what, and why."""

    __tablename__ = "ticket_event"
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"))
    #: NULL for the system (jobs, automatic rules)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind))
    field: Mapped[str | None] = mapped_column(sa.String(64))
    old_value: Mapped[str | None] = mapped_column(sa.Text)
    new_value: Mapped[str | None] = mapped_column(sa.Text)
    #: why, as a person typed it (shown as typed)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    #: why, when a rule decided: a reasons.ReasonCode with its parameters, worded when shown
    #: (labels.event_reason) in the reader's language
    reason_code: Mapped[str | None] = mapped_column(sa.String(40))
    reason_params: Mapped[dict | None] = mapped_column(sa.JSON)
    #: events about internal notes are hidden from requesters
    is_internal: Mapped[bool] = mapped_column(default=False)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_ticket_event_ticket_created", "ticket_id", "created_at"),)
