"""Marshmallow schemas of the SLA configuration endpoints (calendars, policies, their preview).

Working hours are given per weekday name (``{"monday": "08:00-12:00, 13:00-17:00"}``; a missing or
empty day is closed); targets in business minutes of the policy's calendar.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..sla.models import SlaTarget
from ..sla.operations.policies import MAX_TARGET_MINUTES
from ..sla.policy import ACTION_TYPES, PRIORITIES, RECIPIENTS, TICKET_TYPES
from .dump import OutSchema
from .schemas import Id, StrictSchema, Text

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TARGETS = tuple(t.value for t in SlaTarget)
MIN_YEAR, MAX_YEAR, MAX_YEARS = 1950, 2100, 10


def weekly_out(weekly_hours: dict) -> dict[str, str]:
    return {name: (weekly_hours or {}).get(str(day), "") for day, name in enumerate(WEEKDAYS)}


def weekly_in(named: dict) -> dict[str, str]:
    return {str(WEEKDAYS.index(name)): hours for name, hours in named.items()}


def targets_out(version) -> dict[str, int | None]:
    return {t.value: version.target_minutes(t) for t in SlaTarget}


# -- out ---------------------------------------------------------------------------------------------
class RecomputeSchema(OutSchema):
    tickets = fields.Integer(metadata={"description": "Open tickets the recompute looks at"})
    background = fields.Boolean(metadata={"description": "True: it runs after the response, in batches"})
    changed = fields.Integer(allow_none=True, metadata={"description": "Tickets whose due dates moved "
                                                                      "(null while in the background)"})


class HolidaySchema(OutSchema):
    day = fields.Date()
    name = fields.String()


class CalendarSchema(OutSchema):
    id = fields.Integer()
    name = fields.String()
    timezone = fields.String()
    weekly_hours = fields.Function(lambda c: weekly_out(c.weekly_hours), metadata={
        "type": "object", "additionalProperties": {"type": "string"}})
    is_24x7 = fields.Function(lambda c: all(weekly_out(c.weekly_hours)[d] == "00:00-24:00" for d in WEEKDAYS)
                              and not c.holidays, metadata={"type": "boolean"})
    version = fields.Integer()
    holidays = fields.List(fields.Nested(HolidaySchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    recompute = fields.Function(lambda c: RecomputeSchema().dump(c.recompute) if getattr(c, "recompute", None)
                                else None, allow_none=True,
                                metadata={"type": "object", "description": "After a change: what happened to "
                                          "open tickets' due dates"})


class PolicyVersionSchema(OutSchema):
    number = fields.Integer()
    created_at = fields.DateTime()
    created_by_id = fields.Integer(allow_none=True)
    change_note = fields.String()
    calendar_id = fields.Integer()
    conditions = fields.Dict()
    targets = fields.Function(targets_out, metadata={"type": "object", "description": "Business minutes"})
    warning_percent = fields.Integer()
    warning_actions = fields.List(fields.Dict())
    breach_actions = fields.List(fields.Dict())


class PolicySchema(OutSchema):
    id = fields.Integer()
    name = fields.String()
    position = fields.Integer()
    is_default = fields.Boolean()
    is_active = fields.Boolean()
    current_version = fields.Integer()
    created_at = fields.DateTime()
    current = fields.Function(lambda p: PolicyVersionSchema().dump(p.current) if getattr(p, "current", None)
                              else None, metadata={"type": "object", "description": "The current version"})
    recompute = fields.Function(lambda p: RecomputeSchema().dump(p.recompute) if getattr(p, "recompute", None)
                                else None, allow_none=True, metadata={"type": "object"})


class PolicyRemovalSchema(OutSchema):
    result = fields.String(metadata={"enum": ["deleted", "retired"], "description": "retired: tickets ran "
                                     "under it, so it is only deactivated"})


class DueChangeSchema(OutSchema):
    ticket_id = fields.Integer()
    target = fields.Function(lambda c: c.target.value, metadata={"enum": list(TARGETS)})
    cycle = fields.Integer()
    old_due_at = fields.DateTime(allow_none=True)
    new_due_at = fields.DateTime(allow_none=True, metadata={"description": "null: the target is dropped"})


class PreviewSchema(OutSchema):
    tickets = fields.Integer(metadata={"description": "Tickets whose due dates move"})
    clocks = fields.Integer(metadata={"description": "Due dates that move"})
    is_capped = fields.Boolean(metadata={"description": "True when only the first ones were computed"})
    changes = fields.List(fields.Nested(DueChangeSchema))


# -- in ----------------------------------------------------------------------------------------------
class WeeklyHoursSchema(StrictSchema):
    monday = Text(validate=validate.Length(max=200), metadata={"example": "08:00-12:00, 13:00-17:00"})
    tuesday = Text(validate=validate.Length(max=200))
    wednesday = Text(validate=validate.Length(max=200))
    thursday = Text(validate=validate.Length(max=200))
    friday = Text(validate=validate.Length(max=200))
    saturday = Text(validate=validate.Length(max=200))
    sunday = Text(validate=validate.Length(max=200))


class HolidayInSchema(StrictSchema):
    day = fields.Date(required=True)
    name = Text(load_default="", validate=validate.Length(max=200))


def _name(**kwargs):
    return Text(validate=validate.Length(1, 120), **kwargs)


class CalendarInSchema(StrictSchema):
    timezone = Text(validate=validate.Length(1, 64), metadata={"description": "IANA zone, e.g. Europe/Berlin"})
    weekly_hours = fields.Nested(WeeklyHoursSchema, metadata={"description": "Missing or empty days are closed"})
    always = fields.Boolean(metadata={"description": "24x7: every day 00:00-24:00 (instead of weekly_hours)"})
    holidays = fields.List(fields.Nested(HolidayInSchema), validate=validate.Length(max=2000),
                           metadata={"description": "Replaces the list"})

    @ma.validates_schema
    def one_schedule(self, data, **_):
        if data.get("always") and "weekly_hours" in data:
            raise ma.ValidationError("Give weekly_hours or always, not both.", "always")


class CalendarCreateSchema(CalendarInSchema):
    name = _name(required=True)
    timezone = Text(required=True, validate=validate.Length(1, 64), metadata={
        "description": "IANA zone, e.g. Europe/Berlin"})

    @ma.validates_schema
    def complete(self, data, **_):
        if not data.get("always") and "weekly_hours" not in data:
            raise ma.ValidationError("Give weekly_hours, or always: true for 24x7.", "weekly_hours")


class CalendarUpdateSchema(CalendarInSchema):
    name = _name()
    version = fields.Integer(strict=True, validate=validate.Range(1, 2**31 - 1), metadata={
        "description": "The version you edited: 409 if the calendar changed meanwhile"})


class HolidaysAddSchema(StrictSchema):
    """Holidays to merge into the calendar (a day already there keeps its name)."""

    holidays = fields.List(fields.Nested(HolidayInSchema), validate=validate.Length(max=2000))
    ical = Text(validate=validate.Length(max=1_000_000), metadata={"description": "An iCalendar file's text: "
                                                                   "its all-day events"})
    country = Text(validate=validate.Regexp(r"^[A-Za-z]{2,3}$"), metadata={
        "description": "Country preset (ISO 3166 code) from the holidays package"})
    subdivision = Text(validate=validate.Length(1, 10), allow_none=True)
    year_from = fields.Integer(strict=True, validate=validate.Range(MIN_YEAR, MAX_YEAR))
    year_to = fields.Integer(strict=True, validate=validate.Range(MIN_YEAR, MAX_YEAR))

    @ma.validates_schema
    def something(self, data, **_):
        if not any(k in data for k in ("holidays", "ical", "country")):
            raise ma.ValidationError("Give holidays, ical or country.")
        if "country" in data and ("year_from" not in data or "year_to" not in data):
            raise ma.ValidationError("A country preset needs year_from and year_to.", "year_from")
        if "subdivision" in data and "country" not in data:
            raise ma.ValidationError("A subdivision needs a country.", "subdivision")
        if "year_from" in data and "year_to" in data and not \
                0 <= data["year_to"] - data["year_from"] < MAX_YEARS:
            raise ma.ValidationError(f"Give at most {MAX_YEARS} years, year_from first.", "year_to")


class TargetsSchema(StrictSchema):
    acknowledge = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, MAX_TARGET_MINUTES))
    first_response = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, MAX_TARGET_MINUTES))
    next_response = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, MAX_TARGET_MINUTES))
    resolution = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, MAX_TARGET_MINUTES))


class ConditionsSchema(StrictSchema):
    priorities = fields.List(fields.String(validate=validate.OneOf(PRIORITIES)), validate=validate.Length(max=10))
    types = fields.List(fields.String(validate=validate.OneOf(TICKET_TYPES)), validate=validate.Length(max=10))
    service_ids = fields.List(Id(), validate=validate.Length(max=200))
    requester_vip = fields.Boolean(allow_none=True)
    departments = fields.List(Text(validate=validate.Length(1, 200)), validate=validate.Length(max=100))


class ActionSchema(StrictSchema):
    type = fields.String(required=True, validate=validate.OneOf(ACTION_TYPES))
    recipients = fields.List(fields.String(validate=validate.OneOf(RECIPIENTS)), validate=validate.Length(1, 3))
    url = Text(validate=validate.Length(1, 1000))
    team_id = Id()


def _actions():
    return fields.List(fields.Nested(ActionSchema), validate=validate.Length(max=20))


class PolicyContentSchema(StrictSchema):
    calendar = Id(metadata={"description": "Business calendar id"})
    conditions = fields.Nested(ConditionsSchema, metadata={"description": "All given ones must match"})
    targets = fields.Nested(TargetsSchema, metadata={"description": "Business minutes; null: no promise"})
    warning_percent = fields.Integer(strict=True, validate=validate.Range(1, 100))
    warning_actions = _actions()
    breach_actions = _actions()


class PolicyCreateSchema(PolicyContentSchema):
    name = _name(required=True)
    calendar = Id(required=True, metadata={"description": "Business calendar id"})
    targets = fields.Nested(TargetsSchema, required=True, metadata={
        "description": "Business minutes; null: no promise; at least one target"})
    position = fields.Integer(strict=True, validate=validate.Range(0, 2**31 - 1), metadata={
        "description": "Evaluation order, lowest first (default: last)"})
    is_default = fields.Boolean(load_default=False)
    note = Text(load_default="", validate=validate.Length(max=500))


class PolicyUpdateSchema(PolicyContentSchema):
    name = _name()
    position = fields.Integer(strict=True, validate=validate.Range(0, 2**31 - 1))
    is_default = fields.Boolean()
    is_active = fields.Boolean()
    note = Text(validate=validate.Length(max=500), metadata={"description": "Why (kept with the version)"})
    version = fields.Integer(strict=True, validate=validate.Range(1, 2**31 - 1), metadata={
        "description": "The current_version you edited: 409 if the policy changed meanwhile"})
