"""SLA policies: create, edit (each content edit writes a new immutable version), order, default; the
defaults `servicedesk init` ships; and the preview of how an edit would move open tickets' due dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ...core import signals
from ...core.actors import SYSTEM, actor_id
from ...core.clock import utcnow
from ...core.errors import ValidationFailed
from ...extensions import db
from ..business_hours import Calendar
from ..clock import compute, runs_from_marks
from ..models import BusinessCalendar, SlaClock, SlaPolicy, SlaPolicyVersion, SlaTarget
from ..policy import clean_actions, clean_conditions
from .calendars import calendar_for, check_unique_name, create_calendar
from .clocks import Ledger

#: the largest target accepted: a year of minutes (a typo guard, not a business rule)
MAX_TARGET_MINUTES = 366 * 24 * 60
CONTENT_FIELDS = ("calendar", "conditions", "targets", "warning_percent", "warning_actions", "breach_actions")


def _targets(raw: dict) -> dict[SlaTarget, int | None]:
    result: dict[SlaTarget, int | None] = {}
    for key, minutes in (raw or {}).items():
        try:
            target = SlaTarget(key.value if isinstance(key, SlaTarget) else key)
        except ValueError:
            raise ValidationFailed(f"Unknown SLA target {key!r}.", {"field": "targets"}) from None
        if minutes is not None and (not isinstance(minutes, int) or isinstance(minutes, bool)
                                    or not 1 <= minutes <= MAX_TARGET_MINUTES):
            raise ValidationFailed(f"The {target.value} target must be a number of minutes from 1 to "
                                   f"{MAX_TARGET_MINUTES}, or empty.", {"field": f"targets.{target.value}"})
        result[target] = minutes
    return result


def _content(previous: SlaPolicyVersion | None, changes: dict) -> dict:
    """The full content of a version: the previous one with `changes` applied, checked."""
    unknown = set(changes) - set(CONTENT_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown policy field(s): {', '.join(sorted(unknown))}.")
    content = {
        "calendar": previous.calendar if previous else None,
        "conditions": dict(previous.conditions or {}) if previous else {},
        "targets": {t: previous.target_minutes(t) for t in SlaTarget} if previous else {t: None for t in SlaTarget},
        "warning_percent": previous.warning_percent if previous else 75,
        "warning_actions": list(previous.warning_actions or []) if previous else [],
        "breach_actions": list(previous.breach_actions or []) if previous else [],
    }
    if "targets" in changes:
        content["targets"] = {**content["targets"], **_targets(changes["targets"])}
    for key in ("calendar", "warning_percent"):
        if key in changes:
            content[key] = changes[key]
    try:
        if "conditions" in changes:
            content["conditions"] = clean_conditions(changes["conditions"])
        for key in ("warning_actions", "breach_actions"):
            if key in changes:
                content[key] = clean_actions(changes[key])
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"field": "conditions" if "condition" in str(exc) else "actions"}) from None
    if not isinstance(content["calendar"], BusinessCalendar):
        raise ValidationFailed("A policy needs a business calendar.", {"field": "calendar"})
    percent = content["warning_percent"]
    if not isinstance(percent, int) or isinstance(percent, bool) or not 1 <= percent <= 100:
        raise ValidationFailed("The warning threshold is a percentage from 1 to 100.", {"field": "warning_percent"})
    return content


def build_version(policy: SlaPolicy | None, number: int, content: dict, actor=SYSTEM,
                  note: str = "") -> SlaPolicyVersion:
    """A version object (not added to the session: `preview_recompute` uses it as it is)."""
    targets = content["targets"]
    return SlaPolicyVersion(
        policy=policy, number=number, created_by_id=actor_id(actor), change_note=(note or "")[:500],
        calendar=content["calendar"], conditions=content["conditions"],
        acknowledge_minutes=targets[SlaTarget.acknowledge], first_response_minutes=targets[SlaTarget.first_response],
        next_response_minutes=targets[SlaTarget.next_response], resolution_minutes=targets[SlaTarget.resolution],
        warning_percent=content["warning_percent"], warning_actions=content["warning_actions"],
        breach_actions=content["breach_actions"], created_at=utcnow(),
    )


def current_version(policy: SlaPolicy) -> SlaPolicyVersion:
    return db.session.scalar(sa.select(SlaPolicyVersion).where(
        SlaPolicyVersion.policy_id == policy.id, SlaPolicyVersion.number == policy.current_version))


def _check_name(name: str, policy: SlaPolicy | None = None) -> str:
    return check_unique_name(SlaPolicy, name, policy, what="policy")


def _make_default(policy: SlaPolicy) -> None:
    for other in db.session.scalars(sa.select(SlaPolicy).where(SlaPolicy.is_default.is_(True))):
        if other is not policy:
            other.is_default = False
    policy.is_default = True


def create_policy(name: str, actor=SYSTEM, *, calendar: BusinessCalendar, targets: dict,
                  conditions: dict | None = None, warning_percent: int = 75, warning_actions: list | None = None,
                  breach_actions: list | None = None, position: int | None = None, is_default: bool = False,
                  note: str = "") -> SlaPolicy:
    """A new policy with its version 1, placed at `position` (default: last). `targets` maps a target
    (SlaTarget or its name) to business minutes or None."""
    content = _content(None, {"calendar": calendar, "targets": targets, "conditions": conditions or {},
                              "warning_percent": warning_percent, "warning_actions": warning_actions or [],
                              "breach_actions": breach_actions or []})
    if position is None:
        position = (db.session.scalar(sa.select(sa.func.max(SlaPolicy.position))) or 0) + 10
    policy = SlaPolicy(name=_check_name(name), position=position, is_default=False, is_active=True,
                       current_version=1, created_at=utcnow())
    db.session.add(policy)
    if is_default:
        _make_default(policy)
    db.session.flush()
    db.session.add(build_version(policy, 1, content, actor, note or "created"))
    db.session.flush()
    signals.configuration_changed.send(None, actor=actor, what="sla.policy_created",
                                       details={"policy_id": policy.id, "name": policy.name})
    return policy


def update_policy(policy: SlaPolicy, actor, *, note: str = "", name: str | None = None,
                  position: int | None = None, is_default: bool | None = None, is_active: bool | None = None,
                  **content_changes) -> SlaPolicyVersion | None:
    """Edit a policy. Content (calendar, conditions, targets, warning_percent, warning_actions,
    breach_actions) goes into a new immutable version, which new tickets get; open tickets move to it
    when `recompute_open_tickets(policy=...)` runs (the admin editor calls it on save). Name, position,
    default and active flags are not versioned. Returns the new version, or None if only those changed."""
    changed = []
    if name is not None and name.strip() != policy.name:
        policy.name = _check_name(name, policy)
        changed.append("name")
    if position is not None and position != policy.position:
        policy.position = position
        changed.append("position")
    if is_default is not None and is_default != policy.is_default:
        if is_default:
            _make_default(policy)
        else:
            policy.is_default = False
        changed.append("is_default")
    if is_active is not None and is_active != policy.is_active:
        policy.is_active = is_active
        changed.append("is_active")
    version = None
    if content_changes:
        previous = current_version(policy)
        content = _content(previous, content_changes)
        candidate = build_version(policy, previous.number + 1, content, actor, note)
        if not _same_content(previous, candidate):  # an unchanged candidate is never added: it vanishes
            db.session.add(candidate)
            policy.current_version = candidate.number
            version = candidate
            changed.append("content")
    db.session.flush()
    if changed:
        signals.configuration_changed.send(None, actor=actor, what="sla.policy_changed", details={
            "policy_id": policy.id, "name": policy.name, "version": policy.current_version, "changed": changed,
            "note": note or None})
    return version


def _same_content(a: SlaPolicyVersion, b: SlaPolicyVersion) -> bool:
    fields = ("calendar_id", "conditions", "acknowledge_minutes", "first_response_minutes", "next_response_minutes",
              "resolution_minutes", "warning_percent", "warning_actions", "breach_actions")
    b_calendar = b.calendar.id if b.calendar is not None else None
    return all(getattr(a, f) == (b_calendar if f == "calendar_id" else getattr(b, f)) for f in fields)


def reorder_policies(policies: list[SlaPolicy], actor) -> None:
    """Evaluation order = the order of `policies` (positions 10, 20, ...)."""
    for index, policy in enumerate(policies, start=1):
        policy.position = index * 10
    db.session.flush()
    signals.configuration_changed.send(None, actor=actor, what="sla.policies_reordered",
                                       details={"order": [p.id for p in policies]})


# -- preview ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DueChange:
    ticket_id: int
    target: SlaTarget
    cycle: int
    old_due_at: datetime | None
    new_due_at: datetime | None

    @property
    def shift(self) -> timedelta | None:
        if self.old_due_at is None or self.new_due_at is None:
            return None
        return self.new_due_at - self.old_due_at


def preview_recompute(*, calendar: BusinessCalendar | None = None, new_calendar: Calendar | None = None,
                      policy: SlaPolicy | None = None, content_changes: dict | None = None,
                      limit: int = 500) -> list[DueChange]:
    """How an edit not saved yet would move the due dates of live clocks: nothing is written.

    Calendar edit: `calendar` and the `new_calendar` it would become (a business_hours.Calendar).
    Policy edit: `policy` and its `content_changes` (as for `update_policy`); covers the tickets now
    under that policy (any version); a change of conditions that moves tickets to other policies shows
    when it is saved (recompute, with `policy_changed` entries). Only clocks whose due date moves are
    listed, at most `limit`, earliest current due date first."""
    now = utcnow()
    stmt = sa.select(SlaClock).join(SlaPolicyVersion, SlaClock.policy_version_id == SlaPolicyVersion.id).where(
        SlaClock.met_at.is_(None), SlaClock.stopped_at.is_(None))
    if calendar is not None:
        stmt = stmt.where(SlaPolicyVersion.calendar_id == calendar.id)
        version = None
    elif policy is not None:
        stmt = stmt.where(SlaPolicyVersion.policy_id == policy.id)
        version = build_version(None, policy.current_version + 1, _content(current_version(policy),
                                                                           content_changes or {}))
    else:
        raise ValueError("preview a calendar or a policy")
    clocks = list(db.session.scalars(stmt.order_by(SlaClock.due_at, SlaClock.id)))
    ledger = Ledger.for_clocks([c.id for c in clocks])
    changes = []
    for clock in clocks:
        if version is not None:
            minutes = version.target_minutes(clock.target)
            cal, percent = calendar_for(version.calendar), version.warning_percent
        else:
            minutes, cal, percent = clock.target_minutes, new_calendar, clock.warning_percent
        if minutes is None:
            new_due = None
        else:
            runs, _ = runs_from_marks(ledger.marks(clock))
            new_due = compute(timedelta(minutes=minutes), runs, cal, now, percent).due_at
        if new_due != clock.due_at:
            changes.append(DueChange(clock.ticket_id, clock.target, clock.cycle, clock.due_at, new_due))
            if len(changes) >= limit:
                break
    return changes


# -- the defaults that ship -------------------------------------------------------------------------------------
#: "business day" = the working hours of one day of the business-hours calendar (Mon-Fri 08:00-17:00)
BUSINESS_DAY_MINUTES = 9 * 60
OFFICE_HOURS = {day: "08:00-17:00" for day in range(5)}
ALWAYS_HOURS = {day: "00:00-24:00" for day in range(7)}
DEFAULT_WARNING_ACTIONS = [{"type": "notify", "recipients": ["assignee"]}]
DEFAULT_BREACH_ACTIONS = [{"type": "notify", "recipients": ["assignee", "team_leads"]}]
#: (name, priority, calendar, acknowledge, first response, resolution) in minutes, from PRODUCT.md;
#: next response (not in PRODUCT.md) is promised as fast as the first response
DEFAULT_POLICIES = (
    ("P1 critical", "P1", "24x7", 5, 15, 4 * 60),
    ("P2 high", "P2", "Business hours", 15, 30, 1 * BUSINESS_DAY_MINUTES),
    ("P3 medium", "P3", "Business hours", 60, 2 * 60, 3 * BUSINESS_DAY_MINUTES),
    ("P4 low", "P4", "Business hours", 4 * 60, 6 * 60, 5 * BUSINESS_DAY_MINUTES),
)
DEFAULT_POLICY_NAME = "P3 medium"


def ensure_default_policies(timezone: str | None = None) -> list[SlaPolicy]:
    """The calendars and policies that ship (PRODUCT.md), for `servicedesk init`. Idempotent: calendars
    are created when missing by name; policies only while there are none at all, so an admin's edits and
    deletions are never undone. Returns the policies created. Flushes; the caller commits."""
    zone = timezone or current_app.config["DEFAULT_TIMEZONE"]
    calendars = {}
    for name, hours in (("Business hours", OFFICE_HOURS), ("24x7", ALWAYS_HOURS)):
        calendars[name] = db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == name)) \
            or create_calendar(name, zone, hours)
    if db.session.scalar(sa.select(sa.func.count()).select_from(SlaPolicy)):
        return []
    created = []
    for position, (name, priority, calendar, acknowledge, first, resolution) in enumerate(DEFAULT_POLICIES, 1):
        created.append(create_policy(
            name, SYSTEM, calendar=calendars[calendar], conditions={"priorities": [priority]},
            targets={"acknowledge": acknowledge, "first_response": first, "next_response": first,
                     "resolution": resolution},
            warning_percent=75, warning_actions=DEFAULT_WARNING_ACTIONS, breach_actions=DEFAULT_BREACH_ACTIONS,
            position=position * 10, is_default=name == DEFAULT_POLICY_NAME, note="shipped default"))
    return created
