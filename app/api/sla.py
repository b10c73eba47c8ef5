"""SLA configuration: business calendars and policies (with their versions), and the preview of how an edit
would move open tickets' due dates. Staff read; only administrators write. A change recomputes open
tickets' due dates: in the request when few, else queued for a background job that works in batches
(the response says which: `recompute.background`)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext

from ..catalog.models import Service
from ..core.errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..sla import configuration as config
from ..sla import holidays_import
from ..sla import queries as q
from ..sla.models import BusinessCalendar, SlaPolicy
from ..sla.operations import add_holidays, create_calendar, current_version, delete_calendar, preview_recompute
from ..sla.operations.policies import ALWAYS_HOURS
from ..users.permissions import can_configure
from . import sla_schemas as s
from .auth import accepts, current_user, make_blueprint
from .errors import documents
from .references import resolve

blp = make_blueprint("api-sla", __name__, "SLA configuration", "Business calendars (zone, working hours, "
                     "holidays) and SLA policies (ordered conditions, targets, actions; every content edit is a "
                     "new version). Staff read, administrators write.")

CALENDAR = "/sla/calendars/<id:calendar_id>"
POLICY = "/sla/policies/<id:policy_id>"
PREVIEW_LIMIT = 500


def _reader():
    user = current_user()
    if not user.is_staff:
        raise PermissionDenied(gettext("Only staff can read the SLA configuration."))
    return user


def _admin():
    user = current_user()
    if not can_configure(user):
        raise PermissionDenied(gettext("Only administrators can change the SLA configuration."))
    return user


def _get(model, ident: int):
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound(gettext("There is no such %(what)s.", what=model.__tablename__.replace("_", " ")))
    return row


def _calendar_ref(ref: int | None) -> BusinessCalendar:
    row = db.session.get(BusinessCalendar, ref) if ref is not None else None
    if row is None:
        raise ValidationFailed(gettext("Calendar %(ref)s does not exist.", ref=ref), {"field": "calendar",
                                                                                      "value": ref})
    return row


def _weekly(args: dict) -> dict | None:
    if args.get("always"):
        return dict(ALWAYS_HOURS)
    if "weekly_hours" in args:
        return s.weekly_in(args["weekly_hours"])
    return None


def _holidays(items) -> dict[date, str] | None:
    return None if items is None else {h["day"]: h["name"] for h in items}


def _with_current(policy: SlaPolicy) -> SlaPolicy:
    policy.current = current_version(policy)
    return policy


def _content(args: dict) -> dict:
    """The versioned fields of a policy body, with ids checked."""
    content = {k: args[k] for k in ("conditions", "targets", "warning_percent", "warning_actions", "breach_actions")
               if k in args}
    if "calendar" in args:
        content["calendar"] = _calendar_ref(args["calendar"])
    for service_id in (args.get("conditions") or {}).get("service_ids", []):
        _exists_service(service_id)
    for action in args.get("warning_actions", []) + args.get("breach_actions", []):
        if action.get("team_id") is not None:
            resolve("team", action["team_id"])
    return content


def _exists_service(service_id: int) -> None:
    if db.session.get(Service, service_id) is None:
        raise ValidationFailed(gettext("Service %(ref)s does not exist.", ref=service_id),
                               {"field": "conditions.service_ids", "value": service_id})


# -- calendars ---------------------------------------------------------------------------------------
@blp.route("/sla/calendars", methods=["GET"])
@blp.response(200, s.CalendarSchema(many=True))
@documents(blp, 403)
def list_calendars_view():
    """Business calendars, by name"""
    _reader()
    return q.calendars()


@blp.route("/sla/calendars", methods=["POST"])
@accepts("json")
@blp.arguments(s.CalendarCreateSchema)
@blp.response(201, s.CalendarSchema)
@documents(blp, 403, 415)
def create_calendar_view(args):
    """Create a calendar (administrators)"""
    user = _admin()
    calendar = create_calendar(args["name"], args["timezone"], _weekly(args), _holidays(args.get("holidays")),
                               actor=user)
    db.session.commit()
    return calendar


@blp.route(CALENDAR, methods=["GET"])
@blp.response(200, s.CalendarSchema)
@documents(blp, 403, 404)
def get_calendar_view(calendar_id: int):
    """One calendar with its holidays"""
    _reader()
    return _get(BusinessCalendar, calendar_id)


@blp.route(CALENDAR, methods=["PATCH"])
@accepts("json")
@blp.arguments(s.CalendarUpdateSchema)
@blp.response(200, s.CalendarSchema)
@documents(blp, 403, 404, 409, 415)
def update_calendar_view(args, calendar_id: int):
    """Change a calendar (administrators); open tickets on it are recomputed"""
    user = _admin()
    calendar = _get(BusinessCalendar, calendar_id)
    _changed, plan = config.save_calendar(
        calendar, user, expected_version=args.get("version"), name=args.get("name"), timezone=args.get("timezone"),
        weekly_hours=_weekly(args), holidays=_holidays(args.get("holidays")), reason="changed through the API")
    db.session.commit()
    calendar.recompute = plan
    return calendar


@blp.route(CALENDAR, methods=["DELETE"])
@blp.response(204)
@documents(blp, 403, 404, 409)
def delete_calendar_view(calendar_id: int):
    """Delete a calendar no policy version uses (administrators)"""
    user = _admin()
    delete_calendar(_get(BusinessCalendar, calendar_id), user)
    db.session.commit()


@blp.route(CALENDAR + "/holidays", methods=["POST"])
@accepts("json")
@blp.arguments(s.HolidaysAddSchema)
@blp.response(200, s.CalendarSchema)
@documents(blp, 403, 404, 409, 415)
def add_holidays_view(args, calendar_id: int):
    """Add holidays (administrators): a list, an iCalendar file's all-day events, or a country preset"""
    user = _admin()
    calendar = _get(BusinessCalendar, calendar_id)
    found = dict(_holidays(args.get("holidays")) or {})
    years = range(args["year_from"], args["year_to"] + 1) if "year_from" in args and "year_to" in args else None
    try:
        if "ical" in args:
            found.update(holidays_import.from_ical(args["ical"], years))
        if "country" in args:
            found.update(holidays_import.country_preset(args["country"], years, args.get("subdivision")))
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ValidationFailed(gettext("The holidays cannot be read: %(error)s", error=str(exc)[:300]),
                               {"field": "ical" if "ical" in args else "country"}) from None
    plan = None
    if add_holidays(calendar, found, user):
        plan = config.recompute_after_edit(calendar=calendar, actor=user, reason="holidays added through the API")
    db.session.commit()
    calendar.recompute = plan
    return calendar


# -- policies ----------------------------------------------------------------------------------------
@blp.route("/sla/policies", methods=["GET"])
@blp.response(200, s.PolicySchema(many=True))
@documents(blp, 403)
def list_policies_view():
    """Policies in evaluation order (first match wins), each with its current version"""
    _reader()
    result = []
    for policy, version in q.policies():
        policy.current = version
        result.append(policy)
    return result


@blp.route("/sla/policies", methods=["POST"])
@accepts("json")
@blp.arguments(s.PolicyCreateSchema)
@blp.response(201, s.PolicySchema)
@documents(blp, 403, 415)
def create_policy_view(args):
    """Create a policy (administrators); open tickets choose their policy again"""
    user = _admin()
    content = _content(args)
    policy, plan = config.add_policy(args["name"], user, position=args.get("position"),
                                     is_default=args["is_default"], note=args["note"], **content)
    db.session.commit()
    policy.recompute = plan
    return _with_current(policy)


@blp.route(POLICY, methods=["GET"])
@blp.response(200, s.PolicySchema)
@documents(blp, 403, 404)
def get_policy_view(policy_id: int):
    """One policy with its current version"""
    _reader()
    return _with_current(_get(SlaPolicy, policy_id))


@blp.route(POLICY, methods=["PATCH"])
@accepts("json")
@blp.arguments(s.PolicyUpdateSchema)
@blp.response(200, s.PolicySchema)
@documents(blp, 403, 404, 409, 415)
def update_policy_view(args, policy_id: int):
    """Change a policy (administrators): content changes write a new version; open tickets are recomputed"""
    user = _admin()
    policy = _get(SlaPolicy, policy_id)
    meta = {k: args[k] for k in ("name", "position", "is_default", "is_active") if k in args}
    _version, plan = config.save_policy(policy, user, expected_version=args.get("version"),
                                        note=args.get("note", ""), **meta, **_content(args))
    db.session.commit()
    policy.recompute = plan
    return _with_current(policy)


@blp.route(POLICY, methods=["DELETE"])
@blp.response(200, s.PolicyRemovalSchema)
@documents(blp, 403, 404, 409)
def delete_policy_view(policy_id: int):
    """Delete a policy no ticket ran under, else retire it (administrators)"""
    user = _admin()
    result = config.delete_or_retire_policy(_get(SlaPolicy, policy_id), user)
    db.session.commit()
    return {"result": result}


@blp.route(POLICY + "/versions", methods=["GET"])
@blp.response(200, s.PolicyVersionSchema(many=True))
@documents(blp, 403, 404)
def policy_versions_view(policy_id: int):
    """Every version of a policy, newest first"""
    _reader()
    return q.policy_versions(_get(SlaPolicy, policy_id))


@blp.route(POLICY + "/preview", methods=["POST"])
@accepts("json")
@blp.arguments(s.PolicyContentSchema)
@blp.response(200, s.PreviewSchema)
@documents(blp, 403, 404, 415)
def preview_policy_view(args, policy_id: int):
    """How a content change would move the due dates of open tickets under this policy; nothing is saved"""
    _admin()
    policy = _get(SlaPolicy, policy_id)
    content = _content(args)
    if "targets" in content:
        config.require_a_target(content["targets"], current_version(policy))
    changes = preview_recompute(policy=policy, content_changes=content, limit=PREVIEW_LIMIT + 1)
    shown = changes[:PREVIEW_LIMIT]
    return {"tickets": len({c.ticket_id for c in shown}), "clocks": len(shown),
            "is_capped": len(changes) > PREVIEW_LIMIT, "changes": shown}
