"""Forms of the agent workspace, and the parsing of queue filters from the URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..core.errors import ValidationFailed
from ..web.widgets import QuickSelect
from .attachments import Upload
from .labels import LABELS
from .models import Channel, Level, Priority, Status, TicketType
from .operations import MAX_SUBJECT, MAX_TEXT
from .queries import MAX_LIMIT, TicketFilter

# --- queue filters (GET parameters, so every queue is a bookmarkable URL) ---------------------------

#: URL name -> (queries.SORTS key, label)
SORT_OPTIONS = {
    "newest": ("-created", _l("Newest first")),
    "oldest": ("created", _l("Oldest first (aging)")),
    "updated": ("-updated", _l("Recently updated")),
    "priority": ("priority", _l("Priority, then oldest")),
}
DEFAULT_SORT = "newest"
DEFAULT_PAGE_SIZE = 50
#: the filter parameters; a queue tab is current when these equal its preset
FILTER_KEYS = ("status", "priority", "type", "team", "assignee", "service", "q")


@dataclass
class QueueArgs:
    """The queue the URL asks for: a filter, a sort, a page."""

    filter: TicketFilter
    sort: str = DEFAULT_SORT
    cursor: str | None = None
    limit: int = DEFAULT_PAGE_SIZE
    #: the filter parameters as given (for the form and for links that keep them)
    values: dict[str, str] = field(default_factory=dict)


def _enum_values(args: MultiDict, key: str, enum_cls, *, what: str) -> list:
    out = []
    for raw in args.getlist(key):
        if raw == "":
            continue
        try:
            out.append(enum_cls(raw))
        except ValueError:
            raise ValidationFailed(
                _("Unknown %(what)s “%(value)s”.", what=what, value=raw[:40]), {"field": key}
            ) from None
    return out


def _id(args: MultiDict, key: str, *, what: str) -> int | None:
    raw = args.get(key, "").strip()
    if raw == "":
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationFailed(_("Unknown %(what)s “%(value)s”.", what=what, value=raw[:40]), {"field": key})
    return int(raw)


def parse_queue_args(args: MultiDict, user) -> QueueArgs:
    """Read filter, sort and page from the query string; ValidationFailed says what is wrong."""
    statuses_raw = [s for s in args.getlist("status") if s]
    include_done = "all" in statuses_raw
    statuses = _enum_values(MultiDict([("status", s) for s in statuses_raw if s != "all"]), "status", Status,
                            what=_("status"))
    assignee_raw = args.get("assignee", "").strip()
    if assignee_raw == "me":
        assignee_id = user.id
    elif assignee_raw == "none":
        assignee_id = 0
    else:
        assignee_id = _id(args, "assignee", what=_("assignee"))
    f = TicketFilter(
        statuses=statuses, include_done=include_done, team_id=_id(args, "team", what=_("team")),
        assignee_id=assignee_id, priorities=_enum_values(args, "priority", Priority, what=_("priority")),
        types=_enum_values(args, "type", TicketType, what=_("type")),
        service_id=_id(args, "service", what=_("service")), query=args.get("q", "")[:200],
    )
    sort = args.get("sort") or DEFAULT_SORT
    if sort not in SORT_OPTIONS:
        raise ValidationFailed(_("Unknown sort order “%(value)s”.", value=sort[:40]), {"field": "sort"})
    limit = _id(args, "limit", what=_("page size")) or DEFAULT_PAGE_SIZE
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(_("The page size must be between 1 and %(max)d.", max=MAX_LIMIT),
                               {"field": "limit"})
    values = {k: args.get(k, "") for k in FILTER_KEYS if args.get(k)}
    return QueueArgs(filter=f, sort=sort, cursor=args.get("cursor") or None, limit=limit, values=values)


# --- choices ------------------------------------------------------------------------------------------

def enum_choices(enum_cls, blank=None, members=None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank is not None else []
    # lazy labels: class-level choices are built at import time and rendered in the reader's language
    return choices + [SelectChoice(m.value, LABELS.get(m, m.value)) for m in members or enum_cls]


def object_choices(objects, blank=None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [SelectChoice(str(o.id), o.name) for o in objects]


def by_id(objects) -> dict[str, object]:
    """Look a chosen option up in the list it was offered from (no second query)."""
    return {str(o.id): o for o in objects}


# --- ticket page -------------------------------------------------------------------------------------

class CommentForm(FlaskForm):
    """A public reply or an internal note (two instances, prefixes "reply" and "note"): a text, files,
    or both."""

    body = TextAreaField(_l("Message"), validators=[Length(max=MAX_TEXT)])
    file = MultipleFileField(_l("Attach files (optional)"))

    def validate_body(self, field) -> None:
        if not (field.data or "").strip() and not self.uploads():
            raise ValidationError(_("Write a message or attach a file."))

    def uploads(self) -> list[Upload]:
        return uploads_of(self.file)


def uploads_of(field) -> list[Upload]:
    """The files chosen in a file input (a browser sends one empty part when none is chosen)."""
    data = field.data if isinstance(field.data, list) else [field.data]
    return [Upload(f.filename, f.stream, f.mimetype) for f in data if f and getattr(f, "filename", None)]


class TransitionForm(FlaskForm):
    to = StringField(validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class FieldsForm(FlaskForm):
    impact = SelectField(_l("Impact"), choices=enum_choices(Level))
    urgency = SelectField(_l("Urgency"), choices=enum_choices(Level))
    priority = SelectField(_l("Priority override"), choices=enum_choices(Priority, blank=_l("Keep as it is")),
                           validators=[Optional()])
    reason = StringField(_l("Reason for the change"), validators=[Optional(), Length(max=500)])
    team = SelectField(_l("Team"), validators=[Optional()], widget=QuickSelect())
    assignee = SelectField(_l("Assignee"), validators=[Optional()], widget=QuickSelect())
    service = SelectField(_l("Service"), validators=[Optional()], widget=QuickSelect())
    category = SelectField(_l("Category"), validators=[Optional()], widget=QuickSelect())
    tags = StringField(_l("Tags (comma-separated)"), validators=[Optional(), Length(max=1000)])
    eta = StringField(_l("ETA"), validators=[Optional(), Length(max=32)])
    has_workaround = BooleanField(_l("A workaround exists"))

    def set_choices(self, teams, staff, services, categories) -> None:
        self.team.choices = object_choices(teams, blank=_l("No team"))
        self.assignee.choices = object_choices(staff, blank=_l("Nobody"))
        self.service.choices = object_choices(services, blank=_l("No service"))
        self.category.choices = object_choices(categories, blank=_l("No category"))

    def fill_from(self, ticket) -> None:
        self.impact.data, self.urgency.data = ticket.impact.value, ticket.urgency.value
        self.priority.data = ""
        for name in ("team", "assignee", "service", "category"):
            obj = getattr(ticket, name)
            getattr(self, name).data = str(obj.id) if obj else ""
        self.tags.data = ", ".join(t.name for t in ticket.tags)
        self.eta.data = local_input(ticket.eta_at)
        self.has_workaround.data = ticket.has_workaround


class TicketRefForm(FlaskForm):
    """A ticket number, e.g. "#42", for linking a problem or merging."""

    ticket = StringField(_l("Ticket number"), validators=[Optional(), Length(max=20)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class WatcherForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])


class ButtonForm(FlaskForm):
    """A form that is only a button (assign to me, remove watcher): just the CSRF token."""


def ticket_number(raw: str | None) -> int | None:
    raw = (raw or "").strip().lstrip("#").strip()
    if raw == "":
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationFailed(_("“%(value)s” is not a ticket number.", value=raw[:20]), {"field": "ticket"})
    return int(raw)


def _user_zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))  # babel may hand out a pytz zone; replace() needs a real tzinfo


def local_input(value: datetime | None) -> str:
    """A UTC datetime as the value of a datetime-local input, in the user's time zone."""
    return value.astimezone(_user_zone()).strftime("%Y-%m-%dT%H:%M") if value else ""


def parse_local(raw: str | None) -> datetime | None:
    """A datetime-local input (user's time zone) as an aware UTC datetime."""
    raw = (raw or "").strip()
    if not raw:
        return None
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            naive = datetime.strptime(raw, fmt)  # noqa: DTZ007 - the zone is the user's, added next
            break
        except ValueError:
            continue
    else:
        raise ValidationFailed(_("The ETA “%(value)s” is not a date and time.", value=raw[:32]), {"field": "eta"})
    return naive.replace(tzinfo=_user_zone()).astimezone(UTC)


def parse_tags(raw: str | None) -> list[str]:
    return [t for t in (raw or "").replace(";", ",").split(",") if t.strip()]


# --- bulk actions and "Log a call" ----------------------------------------------------------------

class BulkForm(FlaskForm):
    ids = SelectMultipleField(coerce=int, validate_choice=False)
    status = SelectField(_l("Status"), validators=[Optional()])
    assignee = SelectField(_l("Assign to"), validators=[Optional()], widget=QuickSelect())
    team = SelectField(_l("Team"), validators=[Optional()], widget=QuickSelect())
    priority = SelectField(_l("Priority"), choices=enum_choices(Priority, blank=_l("Unchanged")),
                           validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])

    def set_choices(self, teams, staff) -> None:
        self.status.choices = enum_choices(Status, blank=_l("Unchanged"))
        self.assignee.choices = [SelectChoice("", _l("Unchanged")), SelectChoice("me", _l("Me")),
                                 SelectChoice("none", _l("Nobody"))]
        self.assignee.choices += object_choices(staff)
        self.team.choices = object_choices(teams, blank=_l("Unchanged"))


#: the channels through which an agent takes a call for someone else
CALL_CHANNELS = (Channel.phone, Channel.walk_up, Channel.email, Channel.chat)


class NewTicketForm(FlaskForm):
    requester = EmailField(_l("Requester's e-mail address"), validators=[DataRequired(), Length(max=254)])
    channel = SelectField(_l("Channel"), choices=enum_choices(Channel, members=CALL_CHANNELS))
    type = SelectField(_l("Type"), choices=enum_choices(TicketType))
    service = SelectField(_l("Service"), validators=[Optional()], widget=QuickSelect())
    category = SelectField(_l("Category"), validators=[Optional()], widget=QuickSelect())
    impact = SelectField(_l("Impact"), choices=enum_choices(Level), default=Level.medium.value)
    urgency = SelectField(_l("Urgency"), choices=enum_choices(Level), default=Level.medium.value)
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=MAX_SUBJECT)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=MAX_TEXT)])
    assign_to_me = BooleanField(_l("Assign to me"))

    def set_choices(self, services, categories) -> None:
        self.service.choices = object_choices(services, blank=_l("Not known"))
        self.category.choices = object_choices(categories, blank=_l("Not known"))


#: names of ticket fields in the history
FIELD_LABELS = {
    "subject": _l("Subject"), "description": _l("Description"), "type": _l("Type"), "impact": _l("Impact"),
    "urgency": _l("Urgency"), "priority": _l("Priority"), "service": _l("Service"), "category": _l("Category"),
    "team": _l("Team"), "assignee": _l("Assignee"), "eta_at": _l("ETA"), "has_workaround": _l("Workaround"),
    "tags": _l("Tags"), "problem": _l("Problem"), "watchers": _l("Watchers"), "status": _l("Status"),
    "merged_into": _l("Merged into"), "merged_from": _l("Merged from"), "csat": _l("Rating"),
}
