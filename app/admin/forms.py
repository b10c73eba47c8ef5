from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
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
