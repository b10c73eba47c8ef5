"""SLA configuration through the API: calendars and policies CRUD, holidays, versions, the preview, who may
do what, and the JSON error envelope for every kind of bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.extensions import db
from app.sla import jobs
from app.sla.models import BusinessCalendar, SlaClock, SlaPolicy, SlaTarget
from app.sla.operations import ensure_default_policies

from .helpers import assert_error

MONDAY_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Europe/Berlin, a Monday
ICAL = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:1@test
DTSTART;VALUE=DATE:20261224
DTEND;VALUE=DATE:20261227
SUMMARY:Christmas break
END:VEVENT
BEGIN:VEVENT
UID:2@test
DTSTART:20261230T100000Z
SUMMARY:A meeting (timed: not a holiday)
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def policies(app):
    ensure_default_policies("Europe/Berlin")
    db.session.commit()
    return {p.name: p for p in db.session.scalars(sa.select(SlaPolicy))}


def _calendar(name: str) -> BusinessCalendar:
    return db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == name))


def _resolution_due(ticket_id: int):
    db.session.expire_all()
    return db.session.scalar(sa.select(SlaClock.due_at).where(
        SlaClock.ticket_id == ticket_id, SlaClock.target == SlaTarget.resolution))


NEW_CALENDAR = {"name": "Support EU", "timezone": "Europe/Berlin",
                "weekly_hours": {"monday": "08:00-12:00, 13:00-17:00", "friday": "08:00-14:00"}}


# -- who may do what ---------------------------------------------------------------------------------------------
def test_staff_read_the_configuration_and_requesters_cannot(api, policies, agent, auditor, requester):
    for user in (agent, auditor):
        calendars = api.get("/sla/calendars", user)
        assert calendars.status_code == 200
        assert {c["name"] for c in calendars.get_json()} == {"Business hours", "24x7"}
        listed = api.get("/sla/policies", user).get_json()
        assert [p["name"] for p in listed] == ["P1 critical", "P2 high", "P3 medium", "P4 low"]
        assert listed[2]["is_default"] and listed[2]["current"]["targets"]["acknowledge"] == 60
    assert_error(api.get("/sla/calendars", requester), 403, "forbidden")
    assert_error(api.get(f"/sla/policies/{policies['P1 critical'].id}", requester), 403, "forbidden")


@pytest.mark.parametrize("role", ["requester", "agent", "lead", "auditor"])
def test_only_admins_write(api, policies, roles, role):
    user = roles[role]
    calendar = _calendar("Business hours")
    policy = policies["P4 low"]
    attempts = [
        api.post("/sla/calendars", user, json=NEW_CALENDAR),
        api.patch(f"/sla/calendars/{calendar.id}", user, json={"name": "Office"}),
        api.call("DELETE", f"/sla/calendars/{calendar.id}", user),
        api.post(f"/sla/calendars/{calendar.id}/holidays", user, json={"holidays": [{"day": "2026-12-24"}]}),
        api.post("/sla/policies", user, json={"name": "X", "calendar": calendar.id, "targets": {"resolution": 60}}),
        api.patch(f"/sla/policies/{policy.id}", user, json={"warning_percent": 50}),
        api.call("DELETE", f"/sla/policies/{policy.id}", user),
        api.post(f"/sla/policies/{policy.id}/preview", user, json={"warning_percent": 50}),
    ]
    for response in attempts:
        assert_error(response, 403)
    db.session.expire_all()
    assert calendar.name == "Business hours" and policy.current_version == 1 and policy.is_active


# -- calendars ---------------------------------------------------------------------------------------------------
def test_admin_creates_edits_and_deletes_a_calendar(api, admin):
    created = api.post("/sla/calendars", admin, json={**NEW_CALENDAR, "holidays": [
        {"day": "2026-12-25", "name": "Christmas Day"}]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["weekly_hours"]["monday"] == "08:00-12:00, 13:00-17:00"
    assert body["weekly_hours"]["sunday"] == "" and body["is_24x7"] is False
    assert body["holidays"] == [{"day": "2026-12-25", "name": "Christmas Day"}]
    changed = api.patch(f"/sla/calendars/{body['id']}", admin, json={"always": True, "holidays": [],
                                                                     "version": body["version"]})
    assert changed.status_code == 200, changed.get_json()
    after = changed.get_json()
    assert after["is_24x7"] is True and after["version"] == 2
    assert after["recompute"] == {"tickets": 0, "background": False, "changed": 0}
    stale = api.patch(f"/sla/calendars/{body['id']}", admin, json={"name": "Old", "version": 1})
    assert_error(stale, 409, "conflict")
    assert api.call("DELETE", f"/sla/calendars/{body['id']}", admin).status_code == 204
    assert_error(api.get(f"/sla/calendars/{body['id']}", admin), 404, "not_found")


def test_a_calendar_in_use_cannot_be_deleted(api, policies, admin):
    calendar = _calendar("Business hours")
    assert_error(api.call("DELETE", f"/sla/calendars/{calendar.id}", admin), 409, "conflict")
    assert _calendar("Business hours") is not None


@pytest.mark.parametrize("body, field", [
    ({**NEW_CALENDAR, "weekly_hours": {"monday": "08:00-12:00, 11:00-17:00"}}, "weekly_hours"),  # overlap
    ({**NEW_CALENDAR, "weekly_hours": {"monday": "9 to 5"}}, "weekly_hours"),
    ({**NEW_CALENDAR, "weekly_hours": {"monday": ""}}, "weekly_hours"),  # never open
    ({**NEW_CALENDAR, "timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({**NEW_CALENDAR, "timezone": "../../etc/passwd"}, "timezone"),
])
def test_bad_calendars_are_refused_with_the_field(api, admin, body, field):
    error = assert_error(api.post("/sla/calendars", admin, json=body), 422, "validation_failed")
    assert error["details"]["field"] == field
    assert _calendar("Support EU") is None


@pytest.mark.parametrize("body", [
    {**NEW_CALENDAR, "colour": "blue"},  # unknown field
    {**NEW_CALENDAR, "weekly_hours": {"funday": "08:00-17:00"}},  # unknown weekday
    {**NEW_CALENDAR, "weekly_hours": {"monday": 8}},  # wrong type
    {**NEW_CALENDAR, "name": 5},
    {**NEW_CALENDAR, "holidays": [{"day": "25.12.2026"}]},
    {"name": "No hours", "timezone": "UTC"},  # missing schedule
    {**NEW_CALENDAR, "always": True},  # both
    [],
])
def test_malformed_calendar_bodies_are_validation_errors(api, admin, body):
    assert_error(api.post("/sla/calendars", admin, json=body), 422, "validation_failed")


def test_not_json_and_unknown_ids(api, admin, policies):
    assert_error(api.post("/sla/calendars", admin, data="{", content_type="application/json"), 400, "invalid_json")
    assert_error(api.post("/sla/calendars", admin, data="name=x"), 415, "unsupported_media_type")
    assert_error(api.get("/sla/calendars/999999", admin), 404, "not_found")
    assert_error(api.patch("/sla/calendars/999999", admin, json={"name": "x"}), 404, "not_found")
    assert_error(api.get("/sla/policies/999999", admin), 404, "not_found")
    assert_error(api.get("/sla/policies/999999/versions", admin), 404, "not_found")
    assert_error(api.post("/sla/policies/999999/preview", admin, json={}), 404, "not_found")
    unknown_calendar = api.post("/sla/policies", admin, json={"name": "X", "calendar": 999999,
                                                              "targets": {"resolution": 60}})
    assert assert_error(unknown_calendar, 422)["details"]["field"] == "calendar"


def test_holidays_from_a_list_an_ical_file_and_a_country_preset(api, admin):
    calendar_id = api.post("/sla/calendars", admin, json=NEW_CALENDAR).get_json()["id"]
    url = f"/sla/calendars/{calendar_id}/holidays"
    by_hand = api.post(url, admin, json={"holidays": [{"day": "2026-12-31", "name": "New Year's Eve"}]})
    assert by_hand.status_code == 200, by_hand.get_json()
    from_ical = api.post(url, admin, json={"ical": ICAL.decode()})
    assert from_ical.status_code == 200, from_ical.get_json()
    preset = api.post(url, admin, json={"country": "DE", "subdivision": "BY", "year_from": 2027, "year_to": 2027})
    assert preset.status_code == 200, preset.get_json()
    days = {h["day"]: h["name"] for h in preset.get_json()["holidays"]}
    assert days["2026-12-24"] == days["2026-12-26"] == "Christmas break" and "2026-12-30" not in days
    assert days["2026-12-31"] == "New Year's Eve"
    assert days["2027-01-06"] == "Epiphany" and "2027-10-03" in days  # Bavaria; German Unity Day
    assert preset.get_json()["version"] == 4
    bad = [
        {"ical": "this is not a calendar"},
        {"country": "XX", "year_from": 2026, "year_to": 2026},
        {"country": "DE", "subdivision": "ZZ", "year_from": 2026, "year_to": 2026},
        {"country": "DE", "year_from": 2026, "year_to": 2040},
        {"country": "DE"},
        {},
    ]
    for body in bad:
        assert_error(api.post(url, admin, json=body), 422, "validation_failed")
    assert api.get(f"/sla/calendars/{calendar_id}", admin).get_json()["version"] == 4


# -- policies ----------------------------------------------------------------------------------------------------
def test_admin_creates_a_policy_and_edits_write_versions(api, admin, policies):
    calendar = _calendar("24x7")
    created = api.post("/sla/policies", admin, json={
        "name": "VIP", "calendar": calendar.id, "position": 5,
        "conditions": {"requester_vip": True, "priorities": ["P2", "P3"]},
        "targets": {"acknowledge": 10, "resolution": 240},
        "breach_actions": [{"type": "notify", "recipients": ["team_leads"]}, {"type": "raise_priority"}]})
    assert created.status_code == 201, created.get_json()
    policy = created.get_json()
    assert policy["current"]["warning_percent"] == 75  # the default
    assert policy["current"]["targets"] == {"acknowledge": 10, "first_response": None, "next_response": None,
                                            "resolution": 240}
    assert [p["name"] for p in api.get("/sla/policies", admin).get_json()][0] == "VIP"
    edited = api.patch(f"/sla/policies/{policy['id']}", admin, json={
        "targets": {"resolution": 480}, "warning_percent": 80, "note": "slower", "version": 1})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["current_version"] == 2
    versions = api.get(f"/sla/policies/{policy['id']}/versions", admin).get_json()
    assert [(v["number"], v["targets"]["resolution"], v["change_note"]) for v in versions] == [
        (2, 480, "slower"), (1, 240, "created")]
    assert_error(api.patch(f"/sla/policies/{policy['id']}", admin, json={"warning_percent": 60, "version": 1}),
                 409, "conflict")
    # never used by a ticket: deleted
    assert api.call("DELETE", f"/sla/policies/{policy['id']}", admin).get_json() == {"result": "deleted"}
    assert_error(api.get(f"/sla/policies/{policy['id']}", admin), 404)


@pytest.mark.parametrize("body", [
    {"targets": {}},  # no target at all
    {"targets": {"acknowledge": None}},
    {"targets": {"resolution": 0}},
    {"targets": {"resolution": "1h"}},
    {"targets": {"resolution": 60, "lunch": 5}},
    {"targets": {"resolution": 60}, "conditions": {"priorities": ["P9"]}},
    {"targets": {"resolution": 60}, "conditions": {"service_ids": [999999]}},
    {"targets": {"resolution": 60}, "conditions": {"colour": ["red"]}},
    {"targets": {"resolution": 60}, "warning_percent": 0},
    {"targets": {"resolution": 60}, "warning_percent": 75.5},
    {"targets": {"resolution": 60}, "breach_actions": [{"type": "explode"}]},
    {"targets": {"resolution": 60}, "breach_actions": [{"type": "notify", "recipients": ["ceo"]}]},
    {"targets": {"resolution": 60}, "breach_actions": [{"type": "notify"}]},
    {"targets": {"resolution": 60}, "breach_actions": [{"type": "webhook", "url": "ftp://x"}]},
    {"targets": {"resolution": 60}, "breach_actions": [{"type": "reassign", "team_id": 999999}]},
    {"targets": {"resolution": 60}, "breach_actions": [{"type": "reassign"}]},
    {"targets": {"resolution": 60}, "is_default": "maybe"},
])
def test_bad_policies_are_refused(api, admin, policies, body):
    calendar = _calendar("Business hours")
    response = api.post("/sla/policies", admin, json={"name": "Broken", "calendar": calendar.id, **body})
    assert_error(response, 422, "validation_failed")
    assert db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.name == "Broken")) is None


def test_a_used_policy_is_retired_not_deleted(api, admin, policies, make_ticket):
    make_ticket()  # P3 medium
    p3 = policies["P3 medium"]
    assert_error(api.call("DELETE", f"/sla/policies/{p3.id}", admin), 409, "conflict")  # the default
    api.patch(f"/sla/policies/{policies['P4 low'].id}", admin, json={"is_default": True})
    assert api.call("DELETE", f"/sla/policies/{p3.id}", admin).get_json() == {"result": "retired"}
    body = api.get(f"/sla/policies/{p3.id}", admin).get_json()
    assert body["is_active"] is False and body["is_default"] is False


def test_preview_shows_moves_without_saving_and_saving_moves_them(api, admin, policies, make_ticket):
    p3 = policies["P3 medium"]
    with time_machine.travel(MONDAY_9):
        ticket = make_ticket()
        before = _resolution_due(ticket.id)
        preview = api.post(f"/sla/policies/{p3.id}/preview", admin, json={"targets": {"resolution": 540}})
        assert preview.status_code == 200, preview.get_json()
        body = preview.get_json()
        assert body["tickets"] == 1 and body["clocks"] == 1 and body["is_capped"] is False
        change = body["changes"][0]
        assert change["ticket_id"] == ticket.id and change["target"] == "resolution"
        assert datetime.fromisoformat(change["old_due_at"]) == before
        new_due = datetime.fromisoformat(change["new_due_at"])
        assert before - new_due == timedelta(days=2)  # one business day instead of three: Tuesday, not Thursday
        assert _resolution_due(ticket.id) == before and db.session.get(SlaPolicy, p3.id).current_version == 1
        assert_error(api.post(f"/sla/policies/{p3.id}/preview", admin, json={"targets": {"resolution": None,
                     "acknowledge": None, "first_response": None, "next_response": None}}), 422)
        saved = api.patch(f"/sla/policies/{p3.id}", admin, json={"targets": {"resolution": 540}})
        assert saved.status_code == 200, saved.get_json()
        assert saved.get_json()["recompute"] == {"tickets": 1, "background": False, "changed": 1}
    assert _resolution_due(ticket.id) == new_due


def test_a_large_recompute_is_queued_and_done_by_the_job(app, api, admin, policies, make_ticket):
    calendar = _calendar("Business hours")
    with time_machine.travel(MONDAY_9):
        tickets = [make_ticket(), make_ticket()]
        before = {t.id: _resolution_due(t.id) for t in tickets}
        app.config["SLA_RECOMPUTE_INLINE_LIMIT"] = 1
        try:
            response = api.post(f"/sla/calendars/{calendar.id}/holidays", admin,
                                json={"holidays": [{"day": "2026-11-24", "name": "Staff day"}]})
        finally:
            app.config["SLA_RECOMPUTE_INLINE_LIMIT"] = 500
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["recompute"] == {"tickets": 2, "background": True, "changed": None}
        assert all(_resolution_due(t.id) == before[t.id] for t in tickets)  # queued, not done yet
        assert jobs.recompute_pending() == 2
    # Tuesday is a holiday now: three business days from Monday 09:00 end on Friday instead of Thursday
    for ticket in tickets:
        assert _resolution_due(ticket.id) - before[ticket.id] == timedelta(days=1)
