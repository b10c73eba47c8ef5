"""Marshmallow schemas of API v1: what comes in (unknown fields are refused) and what goes out.

Every string that comes in is a ``Text``: NUL characters and lone surrogates cannot be stored in
PostgreSQL, so they are refused here with a clear message instead of failing in the database.
Every id is range-checked so it fits an INTEGER column.
"""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from flask import g
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from ..core.db import MAX_ID
from ..tickets.labels import event_reason, priority_explanation
from ..tickets.models import Channel, EventKind, Level, Priority, Status, TicketType
from ..tickets.queries import MAX_LIMIT, SORTS
from .dump import OutSchema

MAX_SUBJECT = 250
MAX_TEXT = 100_000
MAX_TAGS = 20


class Text(fields.String):
    """A string that the database can store."""

    default_error_messages = {
        "nul": "Must not contain NUL characters.",
        "unicode": "Must be valid Unicode text.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("unicode") from None
        return text


class UTCDateTime(fields.AwareDateTime):
    """An ISO 8601 date and time with an offset, loaded as UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ma.ValidationError("Not a valid date and time.") from None


def Id(*, strict: bool = True, **kwargs) -> fields.Integer:  # noqa: N802 - reads like a field class
    """A row id: a JSON integer in bodies (strict), digits in query strings."""
    return fields.Integer(strict=strict, validate=validate.Range(1, MAX_ID), **kwargs)


class IdOrKeyword(Text):
    """A query value that is an id or one of a few keywords ("me", "none"); loads to int or keyword."""

    def __init__(self, keywords: tuple[str, ...], **kwargs):
        self.keywords = keywords
        pattern = r"^(" + "|".join(keywords) + r"|[1-9][0-9]{0,9})$"
        super().__init__(metadata={"pattern": pattern, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if text in self.keywords:
            return text
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID):
            raise ma.ValidationError("Use an id or one of: " + ", ".join(self.keywords) + ".")
        return int(text)


class UserRef(fields.Field):
    """A person given by id (integer) or by e-mail address (string)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ma.ValidationError("Give a user id or an e-mail address.")
        if isinstance(value, int):
            if not 1 <= value <= MAX_ID:
                raise ma.ValidationError("Not a valid user id.")
            return value
        if isinstance(value, str) and "@" in value and len(value) <= 254:
            return Text()._deserialize(value, attr, data, **kwargs).strip().lower()
        raise ma.ValidationError("Give a user id or an e-mail address.")


class StatusList(fields.List):
    """Statuses as a comma-separated list and/or a repeated parameter; plus "open" and "all"."""

    CHOICES = [s.value for s in Status] + ["open", "all"]

    def __init__(self, **kwargs):
        super().__init__(fields.String(validate=validate.OneOf(self.CHOICES)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        values = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(v, str) for v in values):
            raise ma.ValidationError("Not a valid list of statuses.")
        split = [part.strip() for v in values for part in v.split(",") if part.strip()]
        return super()._deserialize(split, attr, data, **kwargs)


class StrictSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


# -- out ---------------------------------------------------------------------------------------------

class PersonSchema(OutSchema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()


class NamedRefSchema(OutSchema):
    id = fields.Integer()
    name = fields.String()


class TransitionSchema(OutSchema):
    to = fields.Function(lambda t: t.target.value, metadata={"enum": [s.value for s in Status]})
    label = fields.String()
    needs_reason = fields.Boolean()


class AllowedTransitions(fields.List):
    """The lifecycle steps the caller of this request may take on the ticket."""

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(TransitionSchema), **kwargs)

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        from .access import allowed_transitions

        return allowed_transitions(g.api_user, obj)


class Worded(fields.String):
    """A machine reason worded in the request's language (Accept-Language); its code and parameters are
    separate fields for integrations to match on."""

    def __init__(self, wording, **kwargs):
        super().__init__(**kwargs)
        self.wording = wording

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return self.wording(obj)


REASON_CODE_DOC = ("Stable code of a machine-made reason: created_via, priority_matrix, priority_set_by, "
                   "default_team, requester_replied, auto_closed, duplicate_of; null when a person gave the reason")


class SlaTargetSchema(OutSchema):
    due_at = fields.DateTime(allow_none=True, metadata={"description": "null while paused"})
    met_at = fields.DateTime(allow_none=True)
    breached_at = fields.DateTime(allow_none=True)
    paused = fields.Boolean()
    state = fields.String(metadata={"description": "ok, warning, breached, met, paused or stopped"})


class SlaField(fields.Dict):
    """The ticket's SLA targets; a list endpoint fills ``ticket.sla_page`` for the whole page in one query."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(), values=fields.Nested(SlaTargetSchema), **kwargs)

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        from ..sla.queries import sla_summaries

        summary = getattr(obj, "sla_page", None)
        return sla_summaries([obj.id])[obj.id] if summary is None else summary


class SlaEventSchema(OutSchema):
    id = fields.Integer()
    at = fields.DateTime()
    kind = fields.Function(lambda e: e.kind.value)
    target = fields.Function(lambda e: e.target.value if e.target else None, allow_none=True)
    reason = fields.String()
    details = fields.Dict()


class TicketSchema(OutSchema):
    id = fields.Integer()
    subject = fields.String()
    description = fields.String(metadata={"description": "Plain text as entered; escape it when rendering."})
    type = fields.Enum(TicketType, by_value=True)
    status = fields.Enum(Status, by_value=True)
    priority = fields.Enum(Priority, by_value=True)
    priority_reason = Worded(priority_explanation, metadata={
        "description": "Why the ticket has its priority, in the request's language"})
    priority_reason_code = fields.String(allow_none=True, metadata={"description": REASON_CODE_DOC})
    priority_reason_params = fields.Dict(allow_none=True, metadata={
        "description": "Parameters of priority_reason_code, e.g. {impact, urgency, priority, raised: [{cause, "
                       "priority, service?}]}"})
    impact = fields.Enum(Level, by_value=True)
    urgency = fields.Enum(Level, by_value=True)
    has_workaround = fields.Boolean()
    channel = fields.Enum(Channel, by_value=True)
    requester = fields.Nested(PersonSchema)
    team = fields.Nested(NamedRefSchema, allow_none=True)
    assignee = fields.Nested(PersonSchema, allow_none=True)
    service = fields.Nested(NamedRefSchema, allow_none=True)
    category = fields.Nested(NamedRefSchema, allow_none=True)
    tags = fields.Pluck(NamedRefSchema, "name", many=True)
    eta_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    problem_id = fields.Integer(allow_none=True)
    merged_into_id = fields.Integer(allow_none=True)
    allowed_transitions = AllowedTransitions(metadata={"description": "The steps the caller may take now"})
    sla = SlaField(metadata={"description": "acknowledge, first_response, next_response, resolution: "
                                            "{due_at, met_at, breached_at, paused, state}"})


class TicketPageSchema(OutSchema):
    items = fields.List(fields.Nested(TicketSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass as cursor for the next page"})
    count = fields.Integer(metadata={"description": "Matching tickets, counted up to a cap, or estimated"})
    count_is_capped = fields.Boolean(metadata={"description": "True when there are more than count"})
    count_is_estimate = fields.Boolean(metadata={
        "description": "True when count is the database's estimate: a text search matching a large part of "
                       "all tickets is not counted exactly"})


class CommentSchema(OutSchema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    body = fields.String(metadata={"description": "Plain text as entered; escape it when rendering."})
    internal = fields.Boolean(attribute="is_internal")
    channel = fields.Enum(Channel, by_value=True)
    author = fields.Nested(PersonSchema, allow_none=True)
    created_at = fields.DateTime()


class AttachmentSchema(OutSchema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    comment_id = fields.Integer(allow_none=True)
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    internal = fields.Boolean(attribute="is_internal")
    uploaded_by = fields.Nested(PersonSchema, allow_none=True)
    created_at = fields.DateTime()
    download_url = fields.Method("get_download_url")

    def get_download_url(self, attachment) -> str:
        from flask import url_for

        return url_for("api-attachments.download_attachment", ticket_id=attachment.ticket_id,
                       attachment_id=attachment.id)


class EventSchema(OutSchema):
    id = fields.Integer()
    kind = fields.Enum(EventKind, by_value=True)
    field = fields.String(allow_none=True)
    old_value = fields.String(allow_none=True)
    new_value = fields.String(allow_none=True)
    reason = Worded(event_reason, allow_none=True, metadata={
        "description": "Why, in the request's language: a rule's reason worded, and/or what a person typed"})
    reason_code = fields.String(allow_none=True, metadata={"description": REASON_CODE_DOC})
    reason_params = fields.Dict(allow_none=True, metadata={"description": "Parameters of reason_code"})
    actor = fields.Nested(PersonSchema, allow_none=True, metadata={"description": "null: the system"})
    created_at = fields.DateTime()


class TokenInfoSchema(OutSchema):
    name = fields.String()
    prefix = fields.String()
    scopes = fields.Function(lambda t: sorted(t.scope_set), metadata={"type": "array",
                                                                     "items": {"type": "string"}})
    expires_at = fields.DateTime(allow_none=True)


class CurrentToken(fields.Nested):
    def __init__(self, **kwargs):
        super().__init__(TokenInfoSchema, **kwargs)

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return g.api_token


class MeSchema(OutSchema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    role = fields.Function(lambda u: u.role.value, metadata={"type": "string"})
    is_staff = fields.Boolean()
    teams = fields.List(fields.Nested(NamedRefSchema))
    language = fields.String(allow_none=True)
    timezone = fields.String(allow_none=True)
    token = CurrentToken(metadata={"description": "The token this request was made with"})


# -- in ----------------------------------------------------------------------------------------------

def _subject(**kw):
    return Text(validate=validate.Length(1, MAX_SUBJECT), **kw)


def _tags():
    return fields.List(Text(validate=validate.Length(1, 64)), validate=validate.Length(max=MAX_TAGS))


class TicketCreateSchema(StrictSchema):
    subject = _subject(required=True)
    description = Text(load_default="", validate=validate.Length(max=MAX_TEXT))
    type = fields.Enum(TicketType, by_value=True, required=True)
    impact = fields.Enum(Level, by_value=True, required=True)
    urgency = fields.Enum(Level, by_value=True, required=True)
    has_workaround = fields.Boolean(load_default=False)
    service = Id(allow_none=True, metadata={"description": "Service id"})
    category = Id(allow_none=True, metadata={"description": "Category id"})
    requester = UserRef(allow_none=True, metadata={
        "description": "User id or e-mail; only staff may open a ticket for someone else",
        "oneOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID},
                  {"type": "string", "format": "email", "maxLength": 254}],
    })
    tags = _tags()


class TicketUpdateSchema(StrictSchema):
    subject = _subject()
    description = Text(validate=validate.Length(max=MAX_TEXT))
    type = fields.Enum(TicketType, by_value=True)
    impact = fields.Enum(Level, by_value=True)
    urgency = fields.Enum(Level, by_value=True)
    priority = fields.Enum(Priority, by_value=True, metadata={
        "description": "Overrides the impact × urgency matrix; needs a reason"})
    # Short enough to fit the ticket's priority_reason with the overrider's name in front.
    reason = Text(validate=validate.Length(max=250), metadata={
        "description": "Why; recorded in the history with every change"})
    service = Id(allow_none=True)
    category = Id(allow_none=True)
    team = Id(allow_none=True)
    assignee = Id(allow_none=True, metadata={"description": "Id of an active staff member"})
    problem = Id(allow_none=True, metadata={"description": "Id of the problem ticket behind this one"})
    eta_at = UTCDateTime(allow_none=True, metadata={"description": "ISO 8601 with offset"})
    tags = _tags()
    has_workaround = fields.Boolean()


class TicketListArgs(StrictSchema):
    status = StatusList(metadata={"description": "Statuses (repeat or comma-separate); "
                                                "'open' (default) or 'all'"})
    assignee = IdOrKeyword(("me", "none"), metadata={"description": "User id, 'me' or 'none'"})
    team = Id(strict=False)
    requester = IdOrKeyword(("me",), metadata={"description": "User id or 'me'"})
    priority = fields.List(fields.Enum(Priority, by_value=True))
    type = fields.List(fields.Enum(TicketType, by_value=True))
    service = Id(strict=False)
    q = Text(validate=validate.Length(max=200), metadata={"description": "Full-text search"})
    sort = fields.String(load_default="-created", validate=validate.OneOf(list(SORTS)))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, MAX_LIMIT))
    cursor = Text(validate=validate.Length(max=500), metadata={"description": "next_cursor of the previous page"})


class CommentCreateSchema(StrictSchema):
    body = Text(required=True, validate=validate.Length(1, MAX_TEXT))
    internal = fields.Boolean(load_default=False, metadata={"description": "An internal note (staff only)"})


class TransitionCreateSchema(StrictSchema):
    to = fields.Enum(Status, by_value=True, required=True)
    reason = Text(validate=validate.Length(max=2000), allow_none=True)


class MergeSchema(StrictSchema):
    into = Id(required=True, metadata={"description": "The ticket this duplicate is merged into"})
    reason = Text(validate=validate.Length(max=2000), allow_none=True)


class UploadFilesSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "The file (multipart/form-data)"})


class UploadFormSchema(StrictSchema):
    internal = fields.Boolean(load_default=False, metadata={"description": "Staff only; hidden from requesters"})

