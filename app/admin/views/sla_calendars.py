"""SLA editor: business calendars (zone, working hours with split shifts, 24x7, holidays by hand, from an
iCalendar file or a country preset). Every edit of a calendar shows its preview first."""

from __future__ import annotations

from datetime import date
from zoneinfo import available_timezones

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ...core.errors import ServicedeskError
from ...extensions import db
from ...sla import configuration as config
from ...sla import holidays_import
from ...sla import queries as q
from ...sla.business_hours import Calendar
from ...sla.models import BusinessCalendar
from ...sla.operations import create_calendar, delete_calendar, preview_recompute
from ...sla.operations.policies import ALWAYS_HOURS
from ...users.permissions import can_configure, require
from ..forms import WEEKDAY_FIELDS, WEEKDAY_LABELS, ActionForm, CalendarForm, HolidayForm, IcalImportForm, PresetForm
from . import bp
from .sla_common import PREVIEW_LIMIT, flash_saved, render_preview, unsign

CALENDAR = "/sla/calendars/<id:calendar_id>"
HOLIDAYS_SHOWN = 20


def _calendar_form(calendar: BusinessCalendar | None = None) -> CalendarForm:
    """The posted form, or (with `calendar`) one showing the calendar as it is."""
    if calendar is None:
        form = CalendarForm()
    else:
        hours = calendar.weekly_hours or {}
        form = CalendarForm(formdata=None, data={
            "name": calendar.name, "timezone": calendar.timezone,
            "always": {str(d): h for d, h in ALWAYS_HOURS.items()} == hours,
            **{name: hours.get(str(day), "") for day, name in enumerate(WEEKDAY_FIELDS)}})
    form.timezone.choices = [SelectChoice(z, z) for z in sorted(available_timezones())]
    return form


def _weekly(form: CalendarForm) -> dict[str, str] | None:
    """The form's working hours, each day checked (overlaps, syntax); None with field errors if wrong."""
    if form.always.data:
        return {str(d): h for d, h in ALWAYS_HOURS.items()}
    weekly, ok = {}, True
    for day, field in enumerate(form.weekday_fields()):
        try:
            Calendar("UTC", {day: field.data or ""})
        except ValueError as exc:
            field.errors = [*field.errors, str(exc)]
            ok = False
        weekly[str(day)] = (field.data or "").strip()
    if ok and not any(weekly.values()):
        form.monday.errors = [*form.monday.errors, _("A calendar needs working hours on at least one day.")]
        ok = False
    return weekly if ok else None


def _preset_form(**kwargs) -> PresetForm:
    form = PresetForm(prefix="preset", **kwargs)
    form.country.choices = [SelectChoice(code, code) for code in holidays_import.preset_choices()]
    return form


def _edit_page(calendar: BusinessCalendar, status: int = 200, **forms):
    forms.setdefault("form", _calendar_form(calendar))
    forms.setdefault("holiday_form", HolidayForm(formdata=None, prefix="holiday"))
    forms.setdefault("ical_form", IcalImportForm(formdata=None, prefix="ical"))
    forms.setdefault("preset_form", _preset_form(formdata=None))
    return render_template("admin/sla_calendar.html", calendar=calendar, action=ActionForm(),
                           weekday_labels=WEEKDAY_LABELS, **forms), status


@bp.get("/sla/calendars")
def sla_calendars():
    require(can_configure(current_user))
    return render_template("admin/sla_calendars.html", calendars=q.calendars(), weekday_fields=WEEKDAY_FIELDS,
                           weekday_labels=WEEKDAY_LABELS, recompute=config.recompute_progress())


@bp.route("/sla/calendars/new", methods=["GET", "POST"])
def new_sla_calendar():
    require(can_configure(current_user))
    form = _calendar_form()
    if request.method == "GET":
        form.timezone.data = form.timezone.data or "Europe/Berlin"
        for field in form.weekday_fields()[:5]:
            field.data = "08:00-17:00"
        return render_template("admin/sla_calendar_new.html", form=form)
    valid = form.validate_on_submit()
    weekly = _weekly(form)  # every day is checked, so that all mistakes show at once
    if valid and weekly is not None:
        try:
            calendar = create_calendar(form.name.data, form.timezone.data, weekly, actor=current_user)
        except ServicedeskError as exc:
            db.session.rollback()
            form.name.errors = [*form.name.errors, exc.message]
        else:
            db.session.commit()
            flash(_("Calendar created. Policies use it once you choose it in a policy."), "success")
            return redirect(url_for("admin.edit_sla_calendar", calendar_id=calendar.id))
    return render_template("admin/sla_calendar_new.html", form=form), 422


@bp.route(CALENDAR, methods=["GET", "POST"])
def edit_sla_calendar(calendar_id: int):
    require(can_configure(current_user))
    calendar = db.get_or_404(BusinessCalendar, calendar_id)
    if request.method == "GET":
        return _edit_page(calendar)
    form = _calendar_form()
    valid = form.validate_on_submit()
    weekly = _weekly(form)
    if not valid or weekly is None:
        return _edit_page(calendar, 422, form=form)
    return _preview(calendar, {"name": form.name.data.strip(), "timezone": form.timezone.data, "weekly": weekly})


@bp.post(CALENDAR + "/holidays")
def add_sla_holiday(calendar_id: int):
    require(can_configure(current_user))
    calendar = db.get_or_404(BusinessCalendar, calendar_id)
    form = HolidayForm(prefix="holiday")
    if not form.validate_on_submit():
        return _edit_page(calendar, 422, holiday_form=form)
    return _preview(calendar, {"add": {form.day.data.isoformat(): (form.name.data or "").strip()}})


@bp.post(CALENDAR + "/holidays/import")
def import_sla_holidays(calendar_id: int):
    require(can_configure(current_user))
    calendar = db.get_or_404(BusinessCalendar, calendar_id)
    form = IcalImportForm(prefix="ical")
    years = form.years() if form.validate_on_submit() else False
    if years is not False:
        try:
            found = holidays_import.from_ical(form.file.data.read(2_000_001)[:2_000_000], years)
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            form.file.errors = [*form.file.errors, _("This file cannot be read: %(error)s", error=str(exc)[:300])]
        else:
            if not found:
                form.file.errors = [*form.file.errors, _("The file has no all-day events (holidays).")]
            else:
                return _preview(calendar, {"add": {d.isoformat(): n for d, n in found.items()}})
    return _edit_page(calendar, 422, ical_form=form)


@bp.post(CALENDAR + "/holidays/preset")
def add_sla_holiday_preset(calendar_id: int):
    require(can_configure(current_user))
    calendar = db.get_or_404(BusinessCalendar, calendar_id)
    form = _preset_form()
    years = form.years() if form.validate_on_submit() else False
    if years is None:
        form.year_from.errors = [*form.year_from.errors, _("Give the years to add.")]
    elif years is not False:
        try:
            found = holidays_import.country_preset(form.country.data, years, form.subdivision.data or None)
        except ValueError as exc:
            form.subdivision.errors = [*form.subdivision.errors, str(exc)[:300]]
        else:
            return _preview(calendar, {"add": {d.isoformat(): n for d, n in found.items()}})
    return _edit_page(calendar, 422, preset_form=form)


@bp.post(CALENDAR + "/holidays/<day>/remove")
def remove_sla_holiday(calendar_id: int, day: str):
    require(can_configure(current_user))
    calendar = db.get_or_404(BusinessCalendar, calendar_id)
    if not ActionForm().validate_on_submit() or day not in {h.day.isoformat() for h in calendar.holidays}:
        flash(_("There is no such holiday in this calendar."), "error")
        return redirect(url_for("admin.edit_sla_calendar", calendar_id=calendar.id), 303)
    return _preview(calendar, {"remove": [day]})


@bp.post(CALENDAR + "/save")
def save_sla_calendar(calendar_id: int):
    require(can_configure(current_user))
    calendar = db.get_or_404(BusinessCalendar, calendar_id)
    change = unsign(request.form.get("change"), "calendar")
    if change.get("id") != calendar.id:
        return redirect(url_for("admin.edit_sla_calendar", calendar_id=calendar.id))
    try:
        _changed, plan = config.save_calendar(
            calendar, current_user, expected_version=change["version"], name=change.get("name"),
            timezone=change.get("timezone"), weekly_hours=change.get("weekly"),
            holidays=_holidays_after(calendar, change), reason=f"edited by {current_user.name}")
    except ServicedeskError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _edit_page(calendar, exc.status)
    db.session.commit()
    flash_saved(plan)
    return redirect(url_for("admin.edit_sla_calendar", calendar_id=calendar.id))


@bp.post(CALENDAR + "/delete")
def delete_sla_calendar(calendar_id: int):
    require(can_configure(current_user))
    calendar = db.get_or_404(BusinessCalendar, calendar_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.edit_sla_calendar", calendar_id=calendar.id))
    try:
        delete_calendar(calendar, current_user)
    except ServicedeskError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _edit_page(calendar, exc.status)
    db.session.commit()
    flash(_("Calendar deleted."), "success")
    return redirect(url_for("admin.sla_calendars"))


# -- the preview -------------------------------------------------------------------------------------------------
def _holidays_after(calendar: BusinessCalendar, change: dict) -> dict[date, str] | None:
    """The calendar's holidays with the change applied (None: the change leaves them alone)."""
    if not change.get("add") and not change.get("remove"):
        return None
    days = {h.day: h.name for h in calendar.holidays}
    for day, name in (change.get("add") or {}).items():
        day = date.fromisoformat(day)
        days[day] = name or days.get(day, "")
    for day in change.get("remove") or []:
        days.pop(date.fromisoformat(day), None)
    return days


def _summary(calendar: BusinessCalendar, change: dict, holidays: dict[date, str] | None) -> list[str]:
    lines = []
    if change.get("name") and change["name"] != calendar.name:
        lines.append(_("Name: %(old)s → %(new)s", old=calendar.name, new=change["name"]))
    if change.get("timezone") and change["timezone"] != calendar.timezone:
        lines.append(_("Time zone: %(old)s → %(new)s", old=calendar.timezone, new=change["timezone"]))
    old_hours = calendar.weekly_hours or {}
    for day, hours in (change.get("weekly") or {}).items():
        before = old_hours.get(day, "")
        new = Calendar("UTC", {int(day): hours}).weekly[int(day)]
        if Calendar("UTC", {int(day): before}).weekly[int(day)] != new:
            lines.append(_("%(day)s: %(old)s → %(new)s", day=WEEKDAY_LABELS[int(day)], old=before or _("closed"),
                           new=hours or _("closed")))
    if holidays is not None:
        old = {h.day: h.name for h in calendar.holidays}
        added = sorted(d for d in holidays if d not in old or holidays[d] != old[d])
        removed = sorted(d for d in old if d not in holidays)
        for day in added[:HOLIDAYS_SHOWN]:
            lines.append(_("Holiday added: %(day)s %(name)s", day=day.isoformat(), name=holidays[day]))
        for day in removed[:HOLIDAYS_SHOWN]:
            lines.append(_("Holiday removed: %(day)s %(name)s", day=day.isoformat(), name=old[day]))
        if len(added) > HOLIDAYS_SHOWN or len(removed) > HOLIDAYS_SHOWN:
            lines.append(_("… %(added)s holidays added and %(removed)s removed in all.", added=len(added),
                           removed=len(removed)))
    return lines


def _preview(calendar: BusinessCalendar, change: dict):
    change = {"kind": "calendar", "id": calendar.id, "version": calendar.version, **change}
    holidays = _holidays_after(calendar, change)
    summary = _summary(calendar, change, holidays)
    if not summary:
        flash(_("Nothing to save: that is how the calendar is already."), "success")
        return redirect(url_for("admin.edit_sla_calendar", calendar_id=calendar.id), 303)
    weekly = change.get("weekly") or calendar.weekly_hours or {}
    new_calendar = Calendar(change.get("timezone") or calendar.timezone, {int(d): h for d, h in weekly.items()},
                            holidays if holidays is not None else {h.day: h.name for h in calendar.holidays},
                            change.get("name") or calendar.name)
    moves = preview_recompute(calendar=calendar, new_calendar=new_calendar, limit=PREVIEW_LIMIT)
    return render_preview(
        title=_("Calendar %(name)s", name=calendar.name), summary=summary, changes=moves, change=change,
        save_url=url_for("admin.save_sla_calendar", calendar_id=calendar.id),
        cancel_url=url_for("admin.edit_sla_calendar", calendar_id=calendar.id),
        open_tickets=config.affected_open_tickets(calendar))
