"""The SLA editor: calendars and policies are edited through a preview of how open tickets' due dates move,
then saved and recomputed (in the request, or queued for the job when many); bad input changes nothing."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.audit.queries import recent_events
from app.extensions import db
from app.sla import jobs
from app.sla.models import BusinessCalendar, SlaClock, SlaPolicy, SlaTarget
from app.sla.operations import ensure_default_policies
from app.tickets import operations as ops
from app.users.models import Role

MONDAY_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Europe/Berlin
HOURS = {"monday": "08:00-17:00", "tuesday": "08:00-17:00", "wednesday": "08:00-17:00",
         "thursday": "08:00-17:00", "friday": "08:00-17:00", "saturday": "", "sunday": ""}
ICAL = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:1@test
DTSTART;VALUE=DATE:20261124
SUMMARY:Staff day
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture(autouse=True)
def monday_morning():
    """Every test here runs on Monday 09:00 Berlin time (sessions, tickets and previews alike)."""
    with time_machine.travel(MONDAY_9):
        yield


@pytest.fixture
def admin_client(app, make_user, login):
    return login(app.test_client(), make_user(Role.admin))


@pytest.fixture
def shipped(app):
    ensure_default_policies("Europe/Berlin")
    db.session.commit()
    calendars = {c.name: c for c in db.session.scalars(sa.select(BusinessCalendar))}
    policies = {p.name: p for p in db.session.scalars(sa.select(SlaPolicy))}
    return calendars, policies


@pytest.fixture
def open_ticket(shipped, make_user, team):
    """A P3 ticket (Business hours) logged on Monday 09:00."""
    ticket = ops.create_ticket(make_user(Role.requester), subject="Printer", team=team)
    db.session.commit()
    return ticket


def _due(ticket_id: int, target: SlaTarget = SlaTarget.resolution):
    db.session.expire_all()
    return db.session.scalar(sa.select(SlaClock.due_at).where(SlaClock.ticket_id == ticket_id,
                                                             SlaClock.target == target))


def _token(page: str) -> str:
    return re.search(r'name="change" value="([^"]+)"', page).group(1)


def _calendar_form(calendar: BusinessCalendar, **changes) -> dict:
    hours = {name: calendar.weekly_hours.get(str(day), "") for day, name in enumerate(HOURS)}
    return {"name": calendar.name, "timezone": calendar.timezone, **hours, **changes}


@pytest.mark.parametrize("role", ["agent", "lead", "auditor"])
def test_only_admins_edit_the_sla(app, make_user, login, shipped, role):
    client = login(app.test_client(), make_user(role))
    calendar = shipped[0]["Business hours"]
    policy = shipped[1]["P4 low"]
    for url in ("/admin/sla/calendars", "/admin/sla/policies", f"/admin/sla/calendars/{calendar.id}",
                f"/admin/sla/policies/{policy.id}", "/admin/sla/policies/new"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/sla/calendars/{calendar.id}/delete").status_code == 403
    assert client.post(f"/admin/sla/policies/{policy.id}/delete").status_code == 403
    assert db.session.get(SlaPolicy, policy.id).is_active


def test_lists_show_calendars_and_policies_in_order(admin_client, shipped):
    page = admin_client.get("/admin/sla/calendars").get_data(as_text=True)
    assert "Business hours" in page and "24x7" in page and "Monday: 08:00-17:00" in page
    page = admin_client.get("/admin/sla/policies").get_data(as_text=True)
    names = [page.index(n) for n in ("P1 critical", "P2 high", "P3 medium", "P4 low")]
    assert names == sorted(names) and "priority P3" in page
    assert admin_client.get("/admin/").get_data(as_text=True).count("/admin/sla/") == 2


# -- calendars ---------------------------------------------------------------------------------------------------
def test_admin_creates_a_calendar_with_split_shifts(admin_client):
    response = admin_client.post("/admin/sla/calendars/new", data={
        "name": "Support EU", "timezone": "Europe/Lisbon", **HOURS, "monday": "08:00-12:00, 13:00-17:00"})
    assert response.status_code == 302, response.get_data(as_text=True)
    calendar = db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == "Support EU"))
    assert calendar.weekly_hours["0"] == "08:00-12:00, 13:00-17:00" and calendar.timezone == "Europe/Lisbon"
    assert recent_events(action_prefix="sla.calendar_created")


@pytest.mark.parametrize("changes, message", [
    ({"monday": "08:00-12:00, 11:00-17:00"}, "overlap"),
    ({"tuesday": "nine to five"}, "cannot read working hours"),
    ({"timezone": "Mars/Olympus_Mons"}, "Not a valid choice"),
    ({**{day: "" for day in HOURS}}, "at least one day"),
    ({"name": ""}, "This field is required"),
])
def test_bad_calendar_input_is_a_form_error_and_saves_nothing(admin_client, changes, message):
    response = admin_client.post("/admin/sla/calendars/new", data={"name": "Broken", "timezone": "Europe/Berlin",
                                                                    **HOURS, **changes})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BusinessCalendar)) == 0


def test_editing_hours_previews_the_moves_and_saves_only_on_confirm(admin_client, shipped, open_ticket):
    calendar = shipped[0]["Business hours"]
    before = _due(open_ticket.id)
    preview = admin_client.post(f"/admin/sla/calendars/{calendar.id}",
                                data=_calendar_form(calendar, monday="08:00-12:00, 13:00-17:00"))
    assert preview.status_code == 200, preview.get_data(as_text=True)[:2000]
    page = preview.get_data(as_text=True)
    assert "Monday: 08:00-17:00 → 08:00-12:00, 13:00-17:00" in page
    assert f"#{open_ticket.id}" in page and "1 open ticket changes" in page
    assert _due(open_ticket.id) == before and db.session.get(BusinessCalendar, calendar.id).version == 1
    saved = admin_client.post(f"/admin/sla/calendars/{calendar.id}/save", data={"change": _token(page)})
    assert saved.status_code == 302
    assert db.session.get(BusinessCalendar, calendar.id).version == 2
    after = _due(open_ticket.id)
    assert after > before  # an hour of lunch a Monday: resolution is an hour later
    assert (after - before).total_seconds() == 3600
    assert recent_events(action_prefix="sla.calendar_changed")[0].details["changed"] == ["weekly_hours"]
    # the same preview cannot be saved twice: the calendar has moved on
    again = admin_client.post(f"/admin/sla/calendars/{calendar.id}/save", data={"change": _token(page)})
    assert again.status_code == 409 and "changed by someone else" in again.get_data(as_text=True)


def test_a_24x7_switch_and_a_tampered_preview(admin_client, shipped):
    calendar = shipped[0]["Business hours"]
    preview = admin_client.post(f"/admin/sla/calendars/{calendar.id}", data=_calendar_form(calendar, always="y"))
    page = preview.get_data(as_text=True)
    assert "Sunday: closed → 00:00-24:00" in page
    token = _token(page)
    assert admin_client.post(f"/admin/sla/calendars/{calendar.id}/save",
                             data={"change": token[:-2] + "xx"}).status_code == 400
    assert admin_client.post(f"/admin/sla/calendars/{calendar.id}/save", data={"change": token}).status_code == 302
    assert db.session.get(BusinessCalendar, calendar.id).weekly_hours["6"] == "00:00-24:00"


def test_holidays_by_hand_by_ical_upload_by_preset_and_removed(admin_client, shipped, open_ticket):
    calendar = shipped[0]["Business hours"]
    url = f"/admin/sla/calendars/{calendar.id}"
    before = _due(open_ticket.id)
    page = admin_client.post(url + "/holidays/import", data={"ical-file": (io.BytesIO(ICAL), "h.ics")},
                             content_type="multipart/form-data").get_data(as_text=True)
    assert "Holiday added: 2026-11-24 Staff day" in page and f"#{open_ticket.id}" in page
    admin_client.post(url + "/save", data={"change": _token(page)})
    assert (_due(open_ticket.id) - before).days == 1  # Tuesday closed: one day later
    page = admin_client.post(url + "/holidays", data={"holiday-day": "2026-12-31",
                                                      "holiday-name": "New Year's Eve"}).get_data(as_text=True)
    admin_client.post(url + "/save", data={"change": _token(page)})
    page = admin_client.post(url + "/holidays/preset", data={
        "preset-country": "DE", "preset-subdivision": "BY", "preset-year_from": "2027", "preset-year_to": "2027",
    }).get_data(as_text=True)
    assert "Holiday added: 2027-01-06" in page
    admin_client.post(url + "/save", data={"change": _token(page)})
    days = {h.day for h in db.session.get(BusinessCalendar, calendar.id).holidays}
    assert {date(2026, 11, 24), date(2026, 12, 31), date(2027, 1, 6)} <= days
    page = admin_client.post(url + "/holidays/2026-11-24/remove").get_data(as_text=True)
    assert "Holiday removed: 2026-11-24 Staff day" in page
    admin_client.post(url + "/save", data={"change": _token(page)})
    assert _due(open_ticket.id) == before
    assert db.session.get(BusinessCalendar, calendar.id).version == 5


@pytest.mark.parametrize("endpoint, data, message", [
    ("import", {"ical-file": (io.BytesIO(b"not a calendar"), "h.ics")}, "cannot be read"),
    ("import", {"ical-file": (io.BytesIO(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), "h.ics")}, "no all-day events"),
    ("import", {}, "This field is required"),
    ("preset", {"preset-country": "DE", "preset-subdivision": "ZZ", "preset-year_from": "2026",
                "preset-year_to": "2026"}, "no holiday preset"),
    ("preset", {"preset-country": "DE", "preset-year_from": "2026", "preset-year_to": "2050"}, "at most 10 years"),
    ("preset", {"preset-country": "DE"}, "Give the years"),
])
def test_bad_holiday_input_is_a_form_error(admin_client, shipped, endpoint, data, message):
    calendar = shipped[0]["Business hours"]
    response = admin_client.post(f"/admin/sla/calendars/{calendar.id}/holidays/{endpoint}", data=data,
                                 content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.get(BusinessCalendar, calendar.id).version == 1


def test_a_used_calendar_is_not_deleted_an_unused_one_is(admin_client, shipped):
    used = shipped[0]["Business hours"]
    response = admin_client.post(f"/admin/sla/calendars/{used.id}/delete")
    assert response.status_code == 409 and "used by SLA policies" in response.get_data(as_text=True)
    admin_client.post("/admin/sla/calendars/new", data={"name": "Spare", "timezone": "UTC", **HOURS})
    spare = db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == "Spare"))
    assert admin_client.post(f"/admin/sla/calendars/{spare.id}/delete").status_code == 302
    assert db.session.get(BusinessCalendar, spare.id) is None


def test_a_large_recompute_is_queued_shown_in_progress_and_done_by_the_job(app, admin_client, shipped,
                                                                          open_ticket):
    calendar = shipped[0]["Business hours"]
    before = _due(open_ticket.id)
    app.config["SLA_RECOMPUTE_INLINE_LIMIT"] = 0
    try:
        page = admin_client.post(f"/admin/sla/calendars/{calendar.id}/holidays",
                                 data={"holiday-day": "2026-11-24", "holiday-name": "Staff day"}).get_data(as_text=True)
        assert "runs in the background" in page
        saved = admin_client.post(f"/admin/sla/calendars/{calendar.id}/save", data={"change": _token(page)},
                                  follow_redirects=True)
        assert "Recomputing the due dates of 1 open tickets is queued" in saved.get_data(as_text=True)
    finally:
        app.config["SLA_RECOMPUTE_INLINE_LIMIT"] = 500
    assert _due(open_ticket.id) == before  # not yet: the job does it
    for url in ("/admin/sla/calendars", "/admin/sla/policies"):
        assert "Recomputing due dates: 0 of 1 open tickets done." in admin_client.get(url).get_data(as_text=True)
    assert jobs.recompute_pending() == 1
    assert (_due(open_ticket.id) - before).days == 1
    assert recent_events(action_prefix="sla.recomputed")[0].details["changed"] == 1
    for url in ("/admin/sla/calendars", "/admin/sla/policies"):
        assert "Recomputing due dates" not in admin_client.get(url).get_data(as_text=True)


# -- policies ----------------------------------------------------------------------------------------------------
def _policy_form(calendar_id: int, **changes) -> dict:
    return {"name": "VIP", "calendar_id": str(calendar_id), "priorities": ["P2", "P3"], "requester_vip": "yes",
            "acknowledge": "10", "resolution": "240", "warning_percent": "75", "warning_notify": ["assignee"],
            "breach_notify": ["assignee", "team_leads"], "breach_raise": "y", **changes}


def test_admin_creates_a_policy_with_conditions_and_actions(admin_client, shipped):
    calendar = shipped[0]["24x7"]
    response = admin_client.post("/admin/sla/policies/new", data=_policy_form(
        calendar.id, breach_webhook="https://hooks.example.org/sla", departments="Finance, Legal"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    policy = db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.name == "VIP"))
    version = policy.versions[0]
    assert version.conditions == {"priorities": ["P2", "P3"], "departments": ["Finance", "Legal"],
                                  "requester_vip": True}
    assert (version.acknowledge_minutes, version.first_response_minutes, version.resolution_minutes) == \
        (10, None, 240)
    assert version.breach_actions == [{"type": "notify", "recipients": ["assignee", "team_leads"]},
                                      {"type": "webhook", "url": "https://hooks.example.org/sla"},
                                      {"type": "raise_priority"}]
    page = admin_client.get(f"/admin/sla/policies/{policy.id}").get_data(as_text=True)
    assert 'value="https://hooks.example.org/sla"' in page and 'value="Finance, Legal"' in page


@pytest.mark.parametrize("changes, message", [
    ({"acknowledge": "", "resolution": ""}, "at least one target"),
    ({"resolution": "0"}, "Number must be between"),
    ({"warning_percent": "150"}, "Number must be between"),
    ({"breach_webhook": "ftp://x"}, "http:// or https://"),
    ({"priorities": ["P9"]}, "not a valid choice"),
])
def test_bad_policy_input_is_a_form_error(admin_client, shipped, changes, message):
    response = admin_client.post("/admin/sla/policies/new", data=_policy_form(shipped[0]["24x7"].id, **changes))
    assert response.status_code == 422
    assert message.lower() in response.get_data(as_text=True).lower()
    assert db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.name == "VIP")) is None


def test_editing_a_policy_previews_then_writes_a_version(admin_client, shipped, open_ticket):
    p3 = shipped[1]["P3 medium"]
    calendar = shipped[0]["Business hours"]
    form = {"name": "P3 medium", "is_default": "y", "calendar_id": str(calendar.id), "priorities": ["P3"],
            "acknowledge": "60", "first_response": "120", "next_response": "120", "resolution": "540",
            "warning_percent": "75", "warning_notify": ["assignee"], "breach_notify": ["assignee", "team_leads"],
            "note": "one business day"}
    before = _due(open_ticket.id)
    preview = admin_client.post(f"/admin/sla/policies/{p3.id}", data=form)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page[:3000]
    assert "Resolution: 27 h → 9 h" in page and f"#{open_ticket.id}" in page
    assert db.session.get(SlaPolicy, p3.id).current_version == 1
    saved = admin_client.post(f"/admin/sla/policies/{p3.id}/save", data={"change": _token(page)},
                              follow_redirects=True)
    assert "1 open tickets were recomputed; 1 of them have new due dates" in saved.get_data(as_text=True)
    assert db.session.get(SlaPolicy, p3.id).current_version == 2
    assert before - _due(open_ticket.id) == timedelta(days=2)  # Thursday -> Tuesday, same time of day
    page = admin_client.get(f"/admin/sla/policies/{p3.id}").get_data(as_text=True)
    assert "one business day" in page  # the version history


def test_reordering_is_previewed_and_moves_tickets(admin_client, shipped, open_ticket):
    policies = shipped[1]
    catch_all = admin_client.post("/admin/sla/policies/new", data={
        "name": "Everything", "calendar_id": str(shipped[0]["24x7"].id), "resolution": "60",
        "warning_percent": "75"})
    assert catch_all.status_code == 302
    everything = db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.name == "Everything"))
    # Last in the order: the P3 ticket keeps P3 medium.
    assert db.session.scalar(sa.select(SlaClock).where(SlaClock.ticket_id == open_ticket.id,
                                                       SlaClock.target == SlaTarget.resolution)) \
        .policy_version.policy_id == policies["P3 medium"].id
    page = admin_client.post(f"/admin/sla/policies/{everything.id}/move", data={"direction": "up"}) \
        .get_data(as_text=True)
    assert "4. Everything" in page and "5. P4 low" in page
    admin_client.post("/admin/sla/policies/order", data={"change": _token(page)})
    order = [p.name for p in db.session.scalars(sa.select(SlaPolicy).order_by(SlaPolicy.position))]
    assert order == ["P1 critical", "P2 high", "P3 medium", "Everything", "P4 low"]
    for _ in range(3):
        page = admin_client.post(f"/admin/sla/policies/{everything.id}/move", data={"direction": "up"}) \
            .get_data(as_text=True)
        admin_client.post("/admin/sla/policies/order", data={"change": _token(page)})
    db.session.expire_all()
    clock = db.session.scalar(sa.select(SlaClock).where(SlaClock.ticket_id == open_ticket.id,
                                                        SlaClock.target == SlaTarget.resolution))
    assert clock.policy_version.policy_id == everything.id  # first match wins: the ticket moved


def test_a_used_policy_is_retired_an_unused_one_deleted(admin_client, shipped, open_ticket):
    p3, p4 = shipped[1]["P3 medium"], shipped[1]["P4 low"]
    refused = admin_client.post(f"/admin/sla/policies/{p3.id}/delete", follow_redirects=True)
    assert "is the default policy" in refused.get_data(as_text=True)
    assert admin_client.post(f"/admin/sla/policies/{p4.id}/delete").status_code == 302
    assert db.session.get(SlaPolicy, p4.id) is None  # no ticket ran under it
    policy = db.session.get(SlaPolicy, p3.id)
    policy.is_default = False
    db.session.commit()
    admin_client.post(f"/admin/sla/policies/{p3.id}/delete")
    db.session.expire_all()
    assert db.session.get(SlaPolicy, p3.id).is_active is False  # the ticket runs under it: retired
    admin_client.post(f"/admin/sla/policies/{p3.id}/activate")
    db.session.expire_all()
    assert db.session.get(SlaPolicy, p3.id).is_active is True


def test_with_csrf_on_the_preview_carries_a_token_and_a_forged_save_is_refused(app, admin_client, shipped):
    calendar = shipped[0]["Business hours"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = admin_client.get(f"/admin/sla/calendars/{calendar.id}").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        preview = admin_client.post(f"/admin/sla/calendars/{calendar.id}",
                                    data={**_calendar_form(calendar, sunday="10:00-14:00"), "csrf_token": csrf})
        assert preview.status_code == 200
        token = _token(preview.get_data(as_text=True))
        forged = admin_client.post(f"/admin/sla/calendars/{calendar.id}/save", data={"change": token})
        assert forged.status_code == 400
        assert db.session.get(BusinessCalendar, calendar.id).version == 1
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
        saved = admin_client.post(f"/admin/sla/calendars/{calendar.id}/save",
                                  data={"change": token, "csrf_token": csrf})
        assert saved.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert db.session.get(BusinessCalendar, calendar.id).weekly_hours["6"] == "10:00-14:00"
