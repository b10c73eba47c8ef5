"""SLA editor: policies in evaluation order (first match wins), with conditions, calendar, targets, warning
threshold and actions. Edits and reordering show their preview first; a used policy is retired, not deleted."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ...catalog.queries import active_services
from ...core.errors import ServicedeskError
from ...extensions import db
from ...sla import configuration as config
from ...sla import queries as q
from ...sla.models import BusinessCalendar, SlaPolicy, SlaTarget
from ...sla.operations import current_version, preview_recompute
from ...sla.policy import describe
from ...users.permissions import can_configure, require
from ...users.queries import all_teams
from ..forms import TARGET_FIELDS, TARGET_LABELS, ActionForm, PolicyForm
from . import bp
from .sla_common import PREVIEW_LIMIT, flash_saved, render_preview, unsign

POLICY = "/sla/policies/<id:policy_id>"


def _choices(form: PolicyForm, policy: SlaPolicy | None = None) -> PolicyForm:
    form.calendar_id.choices = [SelectChoice(c.id, c.name) for c in q.calendars()]
    services = [SelectChoice(s.id, s.name) for s in active_services()]
    if policy is not None:  # a service no longer in use stays choosable where a policy names it
        known = {c.value for c in services}
        services += [SelectChoice(i, f"#{i}") for i in
                     (current_version(policy).conditions or {}).get("service_ids", []) if i not in known]
    form.service_ids.choices = services
    teams = [SelectChoice("", _("(do not reassign)"))] + [SelectChoice(str(t.id), t.name) for t in all_teams()]
    form.warning_reassign.choices = form.breach_reassign.choices = teams
    return form


def _form_data(policy: SlaPolicy) -> dict:
    version = current_version(policy)
    conditions = version.conditions or {}
    data = {"name": policy.name, "is_default": policy.is_default, "calendar_id": version.calendar_id,
            "priorities": conditions.get("priorities", []), "types": conditions.get("types", []),
            "service_ids": conditions.get("service_ids", []),
            "requester_vip": {True: "yes", False: "no"}.get(conditions.get("requester_vip"), ""),
            "departments": ", ".join(conditions.get("departments", [])),
            "warning_percent": version.warning_percent,
            **{t.value: version.target_minutes(t) for t in SlaTarget}}
    for prefix, actions in (("warning", version.warning_actions), ("breach", version.breach_actions)):
        for action in actions or []:
            if action["type"] == "notify":
                data[f"{prefix}_notify"] = action["recipients"]
            elif action["type"] == "webhook":
                data[f"{prefix}_webhook"] = action["url"]
            elif action["type"] == "raise_priority":
                data[f"{prefix}_raise"] = True
            elif action["type"] == "reassign":
                data[f"{prefix}_reassign"] = str(action["team_id"])
    return data


def _content(form: PolicyForm) -> dict:
    """The versioned content of the form, as plain JSON values (the calendar by id)."""
    conditions = {"priorities": form.priorities.data or [], "types": form.types.data or [],
                  "service_ids": form.service_ids.data or [],
                  "departments": [d.strip() for d in (form.departments.data or "").split(",") if d.strip()]}
    if form.requester_vip.data:
        conditions["requester_vip"] = form.requester_vip.data == "yes"
    content = {"calendar": form.calendar_id.data, "conditions": conditions,
               "targets": {name: getattr(form, name).data for name in TARGET_FIELDS},
               "warning_percent": form.warning_percent.data}
    for prefix in ("warning", "breach"):
        actions = []
        if getattr(form, f"{prefix}_notify").data:
            actions.append({"type": "notify", "recipients": getattr(form, f"{prefix}_notify").data})
        if (getattr(form, f"{prefix}_webhook").data or "").strip():
            actions.append({"type": "webhook", "url": getattr(form, f"{prefix}_webhook").data.strip()})
        if getattr(form, f"{prefix}_raise").data:
            actions.append({"type": "raise_priority"})
        if getattr(form, f"{prefix}_reassign").data:
            actions.append({"type": "reassign", "team_id": int(getattr(form, f"{prefix}_reassign").data)})
        content[f"{prefix}_actions"] = actions
    return content


def _with_calendar(content: dict) -> dict:
    """Content as the operations take it (the calendar row instead of its id)."""
    return {**content, "calendar": db.session.get(BusinessCalendar, content["calendar"])}


def _policy_page(policy: SlaPolicy | None, form: PolicyForm, status: int = 200, error: str | None = None):
    return render_template("admin/sla_policy.html", policy=policy, form=form, error=error, action=ActionForm(),
                           versions=q.policy_versions(policy) if policy is not None else [],
                           target_labels=TARGET_LABELS), status


@bp.get("/sla/policies")
def sla_policies():
    require(can_configure(current_user))
    return render_template("admin/sla_policies.html", policies=q.policies(), describe=describe,
                           action=ActionForm(), targets=list(SlaTarget), target_labels=TARGET_LABELS,
                           recompute=config.recompute_progress())


@bp.route("/sla/policies/new", methods=["GET", "POST"])
def new_sla_policy():
    require(can_configure(current_user))
    form = _choices(PolicyForm())
    if request.method == "GET":
        return _policy_page(None, form)
    if not form.validate_on_submit():
        return _policy_page(None, form, 422)
    try:
        policy, plan = config.add_policy(form.name.data, current_user, is_default=form.is_default.data,
                                         note=form.note.data or "", **_with_calendar(_content(form)))
    except ServicedeskError as exc:
        db.session.rollback()
        return _policy_page(None, form, exc.status, exc.message)
    db.session.commit()
    flash_saved(plan)
    return redirect(url_for("admin.sla_policies"))


@bp.route(POLICY, methods=["GET", "POST"])
def edit_sla_policy(policy_id: int):
    require(can_configure(current_user))
    policy = db.get_or_404(SlaPolicy, policy_id)
    if request.method == "GET":
        return _policy_page(policy, _choices(PolicyForm(formdata=None, data=_form_data(policy)), policy))
    form = _choices(PolicyForm(), policy)
    if not form.validate_on_submit():
        return _policy_page(policy, form, 422)
    content = _content(form)
    try:
        moves = preview_recompute(policy=policy, content_changes=_with_calendar(content), limit=PREVIEW_LIMIT)
    except ServicedeskError as exc:
        db.session.rollback()
        return _policy_page(policy, form, exc.status, exc.message)
    change = {"kind": "policy", "id": policy.id, "version": policy.current_version, "content": content,
              "name": form.name.data.strip(), "is_default": form.is_default.data, "note": form.note.data or ""}
    return render_preview(
        title=_("Policy %(name)s", name=policy.name), summary=_summary(policy, change), changes=moves,
        change=change, save_url=url_for("admin.save_sla_policy", policy_id=policy.id),
        cancel_url=url_for("admin.edit_sla_policy", policy_id=policy.id),
        open_tickets=config.affected_open_tickets(),
        explain=_("On saving, every open ticket chooses its policy again; tickets whose policy changes because "
                  "of new conditions are listed in their SLA history, not here."))


@bp.post(POLICY + "/save")
def save_sla_policy(policy_id: int):
    require(can_configure(current_user))
    policy = db.get_or_404(SlaPolicy, policy_id)
    change = unsign(request.form.get("change"), "policy")
    if change.get("id") != policy.id:
        return redirect(url_for("admin.edit_sla_policy", policy_id=policy.id))
    try:
        _version, plan = config.save_policy(
            policy, current_user, expected_version=change["version"], note=change["note"], name=change["name"],
            is_default=change["is_default"], **_with_calendar(change["content"]))
    except ServicedeskError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("admin.edit_sla_policy", policy_id=policy.id), 303)
    db.session.commit()
    flash_saved(plan)
    return redirect(url_for("admin.edit_sla_policy", policy_id=policy.id))


@bp.post(POLICY + "/move")
def move_sla_policy(policy_id: int):
    """Up or down one place: previewed first (every open ticket chooses its policy again on saving)."""
    require(can_configure(current_user))
    policy = db.get_or_404(SlaPolicy, policy_id)
    order = [p for p, _v in q.policies()]
    index = order.index(policy)
    other = index + (-1 if request.form.get("direction") == "up" else 1)
    if not ActionForm().validate_on_submit() or not 0 <= other < len(order):
        return redirect(url_for("admin.sla_policies"), 303)
    order[index], order[other] = order[other], order[index]
    change = {"kind": "order", "ids": [p.id for p in order]}
    return render_preview(
        title=_("Order of the policies"), summary=[f"{n}. {p.name}" for n, p in enumerate(order, 1)], changes=[],
        change=change, save_url=url_for("admin.save_sla_policy_order"), cancel_url=url_for("admin.sla_policies"),
        open_tickets=config.affected_open_tickets(),
        explain=_("The first policy whose conditions match a ticket applies. On saving, every open ticket chooses "
                  "its policy again; a ticket that moves to another policy gets its due dates from it, with "
                  "the move in its SLA history."))


@bp.post("/sla/policies/order")
def save_sla_policy_order():
    require(can_configure(current_user))
    change = unsign(request.form.get("change"), "order")
    policies = {p.id: p for p, _v in q.policies()}
    if sorted(change["ids"]) != sorted(policies):
        flash(_("The policies changed meanwhile. Move the policy again."), "error")
        return redirect(url_for("admin.sla_policies"), 303)
    plan = config.save_order([policies[i] for i in change["ids"]], current_user)
    db.session.commit()
    flash_saved(plan)
    return redirect(url_for("admin.sla_policies"))


@bp.post(POLICY + "/delete")
def delete_sla_policy(policy_id: int):
    require(can_configure(current_user))
    policy = db.get_or_404(SlaPolicy, policy_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.sla_policies"), 303)
    try:
        result = config.delete_or_retire_policy(policy, current_user)
    except ServicedeskError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("admin.edit_sla_policy", policy_id=policy.id), 303)
    db.session.commit()
    flash(_("Policy deleted.") if result == "deleted" else
          _("Policy retired: tickets ran under it, so it stays for their history; no new ticket gets it."),
          "success")
    return redirect(url_for("admin.sla_policies"))


@bp.post(POLICY + "/activate")
def activate_sla_policy(policy_id: int):
    require(can_configure(current_user))
    policy = db.get_or_404(SlaPolicy, policy_id)
    if ActionForm().validate_on_submit():
        config.save_policy(policy, current_user, is_active=True)
        db.session.commit()
        flash(_("Policy active again: new tickets can get it."), "success")
    return redirect(url_for("admin.edit_sla_policy", policy_id=policy.id))


def _summary(policy: SlaPolicy, change: dict) -> list[str]:
    """What the edit changes, line by line."""
    version = current_version(policy)
    content, lines = change["content"], []
    if change["name"] != policy.name:
        lines.append(_("Name: %(old)s → %(new)s", old=policy.name, new=change["name"]))
    if change["is_default"] != policy.is_default:
        lines.append(_("Becomes the default policy") if change["is_default"] else _("No longer the default policy"))
    if content["calendar"] != version.calendar_id:
        new = db.session.get(BusinessCalendar, content["calendar"])
        lines.append(_("Calendar: %(old)s → %(new)s", old=version.calendar.name, new=new.name if new else "?"))
    old_conditions, new_conditions = describe(version.conditions or {}), describe(content["conditions"])
    if old_conditions != new_conditions:
        lines.append(_("Applies to: %(old)s → %(new)s", old=old_conditions, new=new_conditions))
    for target in SlaTarget:
        old, new = version.target_minutes(target), content["targets"][target.value]
        if old != new:
            lines.append(_("%(target)s: %(old)s → %(new)s", target=TARGET_LABELS[target.value],
                           old=_minutes(old), new=_minutes(new)))
    if content["warning_percent"] != version.warning_percent:
        lines.append(_("Warning at %(old)s %% → %(new)s %%", old=version.warning_percent,
                       new=content["warning_percent"]))
    if content["warning_actions"] != (version.warning_actions or []):
        lines.append(_("Actions at warning change"))
    if content["breach_actions"] != (version.breach_actions or []):
        lines.append(_("Actions at breach change"))
    return lines or [_("Nothing changes in the policy's content.")]


def _minutes(value: int | None) -> str:
    if value is None:
        return _("no target")
    hours, minutes = divmod(value, 60)
    if hours and minutes:
        return _("%(h)s h %(m)s min", h=hours, m=minutes)
    return _("%(h)s h", h=hours) if hours else _("%(m)s min", m=minutes)
