"""SLA tables: calendars, policies and their immutable versions, per-ticket clocks and the ledger.

The ledger (`SlaEvent`) is the truth; a clock's `due_at` / `warn_at` are derived from it (clock.py) and
stored, with partial indexes on the live ones, so that the job and the queues find due rows fast.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..core.db import CreatedAtMixin, IdMixin, enum_type
from ..extensions import db


class SlaTarget(enum.Enum):
    """What is promised. Order = display order."""

    acknowledge = "acknowledge"  #: a person on the staff side touched the ticket
    first_response = "first_response"  #: the first public reply of the staff
    next_response = "next_response"  #: a public staff reply after each reply of the requester
    resolution = "resolution"  #: the ticket is resolved


class SlaEventKind(enum.Enum):
    started = "started"
    paused = "paused"
    resumed = "resumed"
    priority_changed = "priority_changed"
    #: a policy was chosen (also the first time), or the ticket moved to another policy or version
    policy_changed = "policy_changed"
    recomputed = "recomputed"
    met = "met"
    warned = "warned"
    breached = "breached"
    #: the clock ended without being met (ticket resolved before a response, rejected, target dropped)
    stopped = "stopped"


class BusinessCalendar(IdMixin, CreatedAtMixin, db.Model):
    """Working hours in an IANA zone, plus named holidays. Turned into a pure `business_hours.Calendar`."""

    __tablename__ = "sla_calendar"
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    #: IANA zone the working hours are in, e.g. "Europe/Berlin"
    timezone: Mapped[str] = mapped_column(sa.String(64))
    #: {"0": "08:00-12:00, 13:00-17:00", ..., "6": ""}: weekday (0 = Monday) -> local hours; "" = closed
    weekly_hours: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: bumped on every edit (cache key for the computed calendar; shown in the ledger)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    holidays: Mapped[list[CalendarHoliday]] = relationship(
        back_populates="calendar", cascade="all, delete-orphan", order_by="CalendarHoliday.day")


class CalendarHoliday(IdMixin, db.Model):
    """A whole local day on which the calendar is closed."""

    __tablename__ = "sla_calendar_holiday"
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("sla_calendar.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(sa.Date)
    name: Mapped[str] = mapped_column(sa.String(200), default="")

    calendar: Mapped[BusinessCalendar] = relationship(back_populates="holidays")

    __table_args__ = (sa.UniqueConstraint("calendar_id", "day", name="uq_sla_calendar_holiday_day"),)


class SlaPolicy(IdMixin, CreatedAtMixin, db.Model):
    """Identity and place of a policy in the ordered list; its content lives in immutable versions."""

    __tablename__ = "sla_policy"
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    #: evaluation order, lowest first; the first policy whose conditions match wins
    position: Mapped[int] = mapped_column(default=0)
    #: used when no policy matches (exactly one policy should be the default)
    is_default: Mapped[bool] = mapped_column(default=False)
    #: inactive policies are never chosen; tickets already under them keep their version
    is_active: Mapped[bool] = mapped_column(default=True)
    #: number of the newest version (what new tickets get)
    current_version: Mapped[int] = mapped_column(default=1)

    #: read-only list (versions are written by operations.update_policy)
    versions: Mapped[list[SlaPolicyVersion]] = relationship(order_by="SlaPolicyVersion.number", viewonly=True)


class SlaPolicyVersion(IdMixin, CreatedAtMixin, db.Model):
    """One immutable snapshot of a policy's content. Editing a policy writes a new version; a ticket's
    clocks keep the version they started under until a named trigger moves them."""

    __tablename__ = "sla_policy_version"
    policy_id: Mapped[int] = mapped_column(sa.ForeignKey("sla_policy.id", ondelete="CASCADE"))
    number: Mapped[int]
    #: who wrote this version (NULL: the system, e.g. `servicedesk init`)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: why it was changed, for the history
    change_note: Mapped[str] = mapped_column(sa.String(500), default="")
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("sla_calendar.id", ondelete="RESTRICT"))
    #: {"priorities": ["P1"], "types": [...], "service_ids": [...], "requester_vip": true|null,
    #: "departments": [...]}; an empty or missing condition matches anything; all given ones must match
    conditions: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: targets in business minutes of the calendar; NULL = no promise for that target
    acknowledge_minutes: Mapped[int | None]
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    #: the warning fires when this share of a target's time is used up
    warning_percent: Mapped[int] = mapped_column(default=75)
    #: what happens at warning and at breach: [{"type": "notify", "recipients": ["assignee", "team_leads",
    #: "team"]}, {"type": "webhook", "url": "..."}, {"type": "raise_priority"}, {"type": "reassign",
    #: "team_id": 3}] (see policy.py)
    warning_actions: Mapped[list] = mapped_column(sa.JSON, default=list)
    breach_actions: Mapped[list] = mapped_column(sa.JSON, default=list)

    policy: Mapped[SlaPolicy] = relationship()
    calendar: Mapped[BusinessCalendar] = relationship()

    __table_args__ = (sa.UniqueConstraint("policy_id", "number", name="uq_sla_policy_version_number"),)

    def target_minutes(self, target: SlaTarget) -> int | None:
        return getattr(self, f"{target.value}_minutes")


class SlaTicket(db.Model):
    """A ticket's SLA state as a whole: the policy version it runs under, why, and whether it is paused."""

    __tablename__ = "sla_ticket"
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    #: NULL when no policy applies (none configured)
    policy_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sla_policy_version.id", ondelete="RESTRICT"))
    #: which rule matched and why ("policy 'P2 high' v1: priority is P2")
    match_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    #: set while the ticket waits on someone outside the team; the clocks do not run
    paused_at: Mapped[datetime | None]
    pause_reason: Mapped[str | None] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    policy_version: Mapped[SlaPolicyVersion | None] = relationship()

    __table_args__ = (sa.Index("ix_sla_ticket_policy_version_id", "policy_version_id"),)


class SlaClock(IdMixin, db.Model):
    """One target of one ticket (next response: one row per requester reply, `cycle` 1, 2, ...).

    `due_at` / `warn_at` are derived from the ledger and NULL while paused; the partial indexes hold only
    live deadlines, which is what the job and the "about to breach" list read.
    """

    __tablename__ = "sla_clock"
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"))
    target: Mapped[SlaTarget] = mapped_column(enum_type(SlaTarget))
    cycle: Mapped[int] = mapped_column(default=1)
    policy_version_id: Mapped[int] = mapped_column(sa.ForeignKey("sla_policy_version.id", ondelete="RESTRICT"))
    #: copied from the version when the clock was (re)bound
    target_minutes: Mapped[int]
    warning_percent: Mapped[int] = mapped_column(default=75)
    started_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    warn_at: Mapped[datetime | None]
    met_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    is_paused: Mapped[bool] = mapped_column(default=False)
    #: business seconds used up to the last ledger event (the running part is added when read)
    used_seconds: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    policy_version: Mapped[SlaPolicyVersion] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "target", "cycle", name="uq_sla_clock_ticket_target_cycle"),
        # The job's two polls: only clocks still able to warn / to breach are in these indexes.
        sa.Index("ix_sla_clock_due", "due_at",
                 postgresql_where=sa.text("met_at IS NULL AND breached_at IS NULL AND stopped_at IS NULL"),
                 sqlite_where=sa.text("met_at IS NULL AND breached_at IS NULL AND stopped_at IS NULL")),
        sa.Index("ix_sla_clock_warn", "warn_at",
                 postgresql_where=sa.text("met_at IS NULL AND warned_at IS NULL AND breached_at IS NULL "
                                          "AND stopped_at IS NULL"),
                 sqlite_where=sa.text("met_at IS NULL AND warned_at IS NULL AND breached_at IS NULL "
                                      "AND stopped_at IS NULL")),
        sa.Index("ix_sla_clock_policy_version_id", "policy_version_id"),
        # Queues sorted by time to breach: every clock not yet met or stopped, breached ones included.
        sa.Index("ix_sla_clock_unmet_due", "due_at", "ticket_id",
                 postgresql_where=sa.text("met_at IS NULL AND stopped_at IS NULL"),
                 sqlite_where=sa.text("met_at IS NULL AND stopped_at IS NULL")),
    )

    @property
    def is_live(self) -> bool:
        """Still able to be met or to breach."""
        return self.met_at is None and self.stopped_at is None


class SlaEvent(IdMixin, CreatedAtMixin, db.Model):
    """The ledger: every start, pause, resume, change, recompute, met, warning and breach, with its reason.
    Append-only. `at` is when it happened in SLA terms (a breach at its due time even if the job ran late);
    `created_at` is when it was written."""

    __tablename__ = "sla_event"
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"))
    #: NULL for events about the whole ticket (policy choice, priority change)
    clock_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sla_clock.id", ondelete="CASCADE"))
    target: Mapped[SlaTarget | None] = mapped_column(enum_type(SlaTarget))
    kind: Mapped[SlaEventKind] = mapped_column(enum_type(SlaEventKind))
    at: Mapped[datetime]
    #: NULL for the system
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: English, for the history and logs ("awaiting requester", "rule 'P1' matched: priority is P1")
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    #: facts for the UI and API (old/new due, version numbers, actions taken, ...)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (
        sa.Index("ix_sla_event_ticket_at", "ticket_id", "at", "id"),
        sa.Index("ix_sla_event_clock_id", "clock_id"),
        # Reports: breaches this week, breach rate.
        sa.Index("ix_sla_event_kind_at", "kind", "at"),
        # A clock warns once and breaches once, whatever runs concurrently.
        sa.Index("uq_sla_event_clock_once", "clock_id", "kind", unique=True,
                 postgresql_where=sa.text("kind IN ('warned', 'breached')"),
                 sqlite_where=sa.text("kind IN ('warned', 'breached')")),
    )


@sa.event.listens_for(SlaPolicyVersion, "before_update")
def _versions_are_immutable(mapper, connection, target) -> None:
    raise ValueError("an SLA policy version is immutable: edit the policy to write a new version")
