"""Forms of the requester portal. Choices that come from the database are set by the view."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..tickets.attachments import Upload
from ..tickets.forms import uploads_of
from ..tickets.operations import MAX_SUBJECT, MAX_TEXT
from .wording import CSAT_CHOICES, IMPACT_CHOICES, URGENCY_CHOICES

MAX_REASON = 5000
#: "none of these" in the service and category pickers
NONE = 0


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class NewTicketForm(FlaskForm):
    service = SelectField(_l("Which service is it about?"), coerce=int, default=NONE)
    category = SelectField(_l("Category (optional)"), coerce=int, default=NONE)
    subject = StringField(validators=[
        DataRequired(_l("Please write a short subject.")),
        Length(max=MAX_SUBJECT, message=_l("Please keep the subject under %(max)d characters.")),
    ])
    description = TextAreaField(validators=[
        Length(max=MAX_TEXT, message=_l("The description is too long (at most %(max)d characters).")),
    ])
    impact = RadioField(_l("Who is affected?"), choices=_choices(IMPACT_CHOICES), default="low",
                        validators=[InputRequired(_l("Please choose who is affected."))])
    urgency = RadioField(_l("How urgent is it?"), choices=_choices(URGENCY_CHOICES), default="medium",
                         validators=[InputRequired(_l("Please choose how urgent it is."))])
    attachment = MultipleFileField(_l("Attach files (optional)"))

    def uploads(self) -> list[Upload]:
        return uploads_of(self.attachment)

    def set_choices(self, services, categories) -> None:
        self.service.choices = [SelectChoice(NONE, _l("I don't know / none of these"))] + [
            SelectChoice(s.id, s.name) for s in services]
        self.category.choices = [SelectChoice(NONE, _l("No category"))] + [
            SelectChoice(c.id, c.name) for c in categories]


class ReplyForm(FlaskForm):
    """A reply: a text, files, or both."""

    body = TextAreaField(_l("Your reply"), validators=[
        Length(max=MAX_TEXT, message=_l("The reply is too long (at most %(max)d characters).")),
    ])
    attachment = MultipleFileField(_l("Attach files (optional)"))

    def validate_body(self, field) -> None:
        if not (field.data or "").strip() and not self.uploads():
            raise ValidationError(_("Please write a reply or attach a file."))

    def uploads(self) -> list[Upload]:
        return uploads_of(self.attachment)


class StepForm(FlaskForm):
    """One lifecycle step (confirm, not fixed, reopen, withdraw, close); some need a reason."""

    reason = TextAreaField(_l("Reason"), validators=[
        Length(max=MAX_REASON, message=_l("Please keep the reason under %(max)d characters.")),
    ])


class RatingForm(FlaskForm):
    score = RadioField(_l("How satisfied are you with the solution?"), coerce=int, choices=_choices(CSAT_CHOICES),
                       validators=[InputRequired(_l("Please choose from 1 to 5 stars."))])
    comment = TextAreaField(_l("Anything you want to tell us? (optional)"), validators=[
        Length(max=MAX_REASON, message=_l("Please keep the comment under %(max)d characters.")),
    ])
