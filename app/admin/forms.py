from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

ROLE_CHOICES = [SelectChoice("requester", _l("Requester")), SelectChoice("agent", _l("Agent")),
                SelectChoice("lead", _l("Team lead")), SelectChoice("admin", _l("Administrator")),
                SelectChoice("auditor", _l("Auditor"))]


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class IdentitySettingsForm(FlaskForm):
    require_2fa_roles = MultiCheckbox(_l("Roles that must use two-factor sign-in"), choices=ROLE_CHOICES)
    saml_link_by_email = BooleanField(_l("Link existing local accounts to SSO identities with the same e-mail"))
    requesters_see_department = BooleanField(_l("Requesters see their department's tickets (read and reply)"))
    idle_timeout_minutes = IntegerField(_l("Sign out after inactivity (minutes)"),
                                        validators=[DataRequired(), NumberRange(min=5, max=24 * 60)])
    absolute_timeout_hours = IntegerField(_l("Sign out after (hours), however active"),
                                          validators=[DataRequired(), NumberRange(min=1, max=24 * 30)])
    lockout_after_failures = IntegerField(_l("Lock an account after this many failed sign-ins"),
                                          validators=[DataRequired(), NumberRange(min=3, max=100)])
    lockout_minutes = IntegerField(_l("Lock for (minutes)"), validators=[DataRequired(), NumberRange(min=1, max=1440)])
    ldap_sync_interval_minutes = IntegerField(_l("Directory sync every (minutes, 0 = off)"),
                                              validators=[Optional(), NumberRange(min=0, max=7 * 24 * 60)])
    ldap_max_deactivate_share = DecimalField(
        _l("Abort a sync that would deactivate more than this share of directory users (0–1)"),
        places=2, validators=[DataRequired(), NumberRange(min=0.01, max=1)])


class GroupMappingForm(FlaskForm):
    source = SelectField(_l("Source"), choices=[SelectChoice("ldap", "LDAP / Active Directory"),
                                                SelectChoice("saml", "SAML")])
    group = StringField(_l("Group (LDAP DN or SAML group name)"), validators=[DataRequired(), Length(max=512)])
    role = SelectField(_l("Gives role"), choices=[SelectChoice("", _l("(no role)"))] + ROLE_CHOICES)
    team_id = SelectField(_l("Adds to team"), coerce=str)


class UserEditForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    teams = MultiCheckbox(_l("Teams"), coerce=int)
    is_active = BooleanField(_l("Can sign in"))


class TeamMembersForm(FlaskForm):
    add_email = StringField(_l("Add a member by e-mail"), validators=[Optional(), Length(max=254)])


class LdapTestForm(FlaskForm):
    login = StringField(_l("Test a sign-in (optional): user name"), validators=[Optional(), Length(max=256)])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=1024)])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


# -- SLA editor --------------------------------------------------------------------------------------------------
WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                  _l("Sunday"))
TARGET_FIELDS = ("acknowledge", "first_response", "next_response", "resolution")
TARGET_LABELS = {"acknowledge": _l("Acknowledge"), "first_response": _l("First response"),
                 "next_response": _l("Next response"), "resolution": _l("Resolution")}
RECIPIENT_CHOICES = [SelectChoice("assignee", _l("The assignee (else the team)")),
                     SelectChoice("team_leads", _l("The team's leads")), SelectChoice("team", _l("The team"))]
TYPE_CHOICES = [SelectChoice("incident", _l("Incident")), SelectChoice("service_request", _l("Service request")),
                SelectChoice("problem", _l("Problem")), SelectChoice("question", _l("Question"))]
VIP_CHOICES = [SelectChoice("", _l("Any requester")), SelectChoice("yes", _l("VIP requesters only")),
               SelectChoice("no", _l("Requesters who are not VIPs"))]
#: the largest target accepted (a year of minutes), as in sla/operations/policies.py
MAX_TARGET_MINUTES = 366 * 24 * 60
HOURS_HINT = _l("e.g. 08:00-12:00, 13:00-17:00; empty: closed")


class CalendarForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()])
    always = BooleanField(_l("Open 24 hours, 7 days a week (24x7)"))
    monday = StringField(WEEKDAY_LABELS[0], validators=[Length(max=200)], description=HOURS_HINT)
    tuesday = StringField(WEEKDAY_LABELS[1], validators=[Length(max=200)], description=HOURS_HINT)
    wednesday = StringField(WEEKDAY_LABELS[2], validators=[Length(max=200)], description=HOURS_HINT)
    thursday = StringField(WEEKDAY_LABELS[3], validators=[Length(max=200)], description=HOURS_HINT)
    friday = StringField(WEEKDAY_LABELS[4], validators=[Length(max=200)], description=HOURS_HINT)
    saturday = StringField(WEEKDAY_LABELS[5], validators=[Length(max=200)], description=HOURS_HINT)
    sunday = StringField(WEEKDAY_LABELS[6], validators=[Length(max=200)], description=HOURS_HINT)

    def weekday_fields(self):
        return [getattr(self, name) for name in WEEKDAY_FIELDS]


class HolidayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])


class YearsMixin:
    year_from = IntegerField(_l("From year"), validators=[Optional(), NumberRange(min=1950, max=2100)])
    year_to = IntegerField(_l("To year"), validators=[Optional(), NumberRange(min=1950, max=2100)])

    def years(self) -> range | None:
        first, last = self.year_from.data, self.year_to.data
        if first is None and last is None:
            return None
        first, last = first or last, last or first
        if not 0 <= last - first < 10:
            self.year_to.errors.append(_l("Give at most 10 years, the first year first."))
            return False
        return range(first, last + 1)


class IcalImportForm(YearsMixin, FlaskForm):
    file = FileField(_l("iCalendar file (.ics)"), validators=[FileRequired()])


class PresetForm(YearsMixin, FlaskForm):
    country = SelectField(_l("Country"), validators=[DataRequired()])
    subdivision = StringField(_l("Region or state code (optional), e.g. BY"), validators=[Optional(), Length(max=10)])


class PolicyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    is_default = BooleanField(_l("Default policy (applies when no other policy matches)"))
    priorities = MultiCheckbox(_l("Priority is one of"), choices=[SelectChoice(p, p) for p in
                                                                 ("P1", "P2", "P3", "P4")])
    types = MultiCheckbox(_l("Type is one of"), choices=TYPE_CHOICES)
    service_ids = MultiCheckbox(_l("Service is one of"), coerce=int)
    requester_vip = SelectField(_l("Requester"), choices=VIP_CHOICES, default="")
    departments = StringField(_l("Requester's department is one of (comma-separated)"),
                              validators=[Optional(), Length(max=2000)])
    calendar_id = SelectField(_l("Business calendar"), coerce=int)
    acknowledge = IntegerField(TARGET_LABELS["acknowledge"], validators=[
        Optional(), NumberRange(min=1, max=MAX_TARGET_MINUTES)])
    first_response = IntegerField(TARGET_LABELS["first_response"], validators=[
        Optional(), NumberRange(min=1, max=MAX_TARGET_MINUTES)])
    next_response = IntegerField(TARGET_LABELS["next_response"], validators=[
        Optional(), NumberRange(min=1, max=MAX_TARGET_MINUTES)])
    resolution = IntegerField(TARGET_LABELS["resolution"], validators=[
        Optional(), NumberRange(min=1, max=MAX_TARGET_MINUTES)])
    warning_percent = IntegerField(_l("Warn when this share of a target's time is used (%)"), default=75,
                                   validators=[DataRequired(), NumberRange(min=1, max=100)])
    warning_notify = MultiCheckbox(_l("E-mail"), choices=RECIPIENT_CHOICES)
    warning_webhook = StringField(_l("Call a webhook (URL)"), validators=[Optional(), Length(max=1000)])
    warning_raise = BooleanField(_l("Raise the priority one step"))
    warning_reassign = SelectField(_l("Reassign to team"), coerce=str, default="")
    breach_notify = MultiCheckbox(_l("E-mail"), choices=RECIPIENT_CHOICES)
    breach_webhook = StringField(_l("Call a webhook (URL)"), validators=[Optional(), Length(max=1000)])
    breach_raise = BooleanField(_l("Raise the priority one step"))
    breach_reassign = SelectField(_l("Reassign to team"), coerce=str, default="")
    note = StringField(_l("Why (kept with the version)"), validators=[Optional(), Length(max=500)])

    def target_fields(self):
        return [getattr(self, name) for name in TARGET_FIELDS]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not any(f.data is not None for f in self.target_fields()) and not self.acknowledge.errors:
            self.acknowledge.errors = [*self.acknowledge.errors,
                                       _l("Give at least one target: a policy that promises nothing is a mistake.")]
            ok = False
        for prefix in ("warning", "breach"):
            url = getattr(self, f"{prefix}_webhook")
            if url.data and not url.data.strip().startswith(("http://", "https://")):
                url.errors = [*url.errors, _l("A webhook needs an http:// or https:// URL.")]
                ok = False
        return ok
