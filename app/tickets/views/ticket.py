"""The ticket page: timeline, reply and note composer, status steps, field edits, links, merges."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...catalog.queries import active_categories, active_services
from ...core.errors import NotFound, ServicedeskError, ValidationFailed
from ...extensions import db
from ...users.operations import get_user_by_email, require_user
from ...users.queries import all_teams, staff_users
from .. import attachments, lifecycle, queries
from .. import operations as ops
from ..forms import (
    ButtonForm,
    CommentForm,
    FieldsForm,
    TicketRefForm,
    TransitionForm,
    WatcherForm,
    by_id,
    local_input,
    parse_local,
    parse_tags,
    ticket_number,
)
from ..labels import label
from ..models import Channel, Level, Priority, Status, TicketType
from ..permissions import can_work_on_ticket, require_work
from .common import bp, is_htmx, pick, validate, with_current
from .extensions import workspace_extensions


@bp.get("/<id:ticket_id>")
def ticket(ticket_id: int):
    return _render_ticket(queries.ticket_for(current_user, ticket_id))


def _render_ticket(ticket, status: int = 200, **posted):
    user = current_user
    can_work = can_work_on_ticket(user, ticket)
    roles = lifecycle.roles_for(user, ticket.requester_id)
    files = queries.attachments_for(ticket, user)
    files_by_comment: dict[int, list] = {}
    for f in files:
        files_by_comment.setdefault(f.comment_id, []).append(f)
    forms = {}
    if can_work:
        fields = posted.get("fields") or FieldsForm(formdata=None)
        _field_choices(fields, ticket)
        if "fields" not in posted:
            fields.fill_from(ticket)
        forms = {
            "reply": posted.get("reply") or CommentForm(formdata=None, prefix="reply"),
            "note": posted.get("note") or CommentForm(formdata=None, prefix="note"),
            "transition": posted.get("transition") or TransitionForm(formdata=None),
            "fields": fields, "button": ButtonForm(formdata=None),
            "problem": posted.get("problem") or TicketRefForm(formdata=None, prefix="problem"),
            "merge": posted.get("merge") or TicketRefForm(formdata=None, prefix="merge"),
            "watcher": posted.get("watcher") or WatcherForm(formdata=None),
        }
    return render_template(
        "tickets/ticket.html", ticket=ticket, can_work=can_work, timeline=queries.timeline_for(ticket, user),
        files=files, files_by_comment=files_by_comment,
        related=queries.related_incidents(ticket, user) if ticket.type is TicketType.problem else [],
        # staff on their own ticket also take the steps only a requester takes (withdraw it)
        transitions=lifecycle.transitions_from(ticket.status, roles) if can_work else [],
        is_own_request=lifecycle.REQUESTER in roles, file_limits=attachments.limits(current_app.config),
        panels=[html for panel in workspace_extensions().ticket_panels if (html := panel(ticket)) is not None],
        **forms,
    ), status


def _field_choices(form: FieldsForm, ticket) -> tuple:
    options = (with_current(all_teams(), ticket.team), with_current(staff_users(), ticket.assignee),
               with_current(active_services(), ticket.service), with_current(active_categories(), ticket.category))
    form.set_choices(*options)
    return options


def _workable(ticket_id: int):
    ticket = queries.ticket_for(current_user, ticket_id)
    require_work(current_user, ticket)
    return ticket


def _referenced(raw: str | None):
    """The ticket a form names by number ("#42"), if the user may see it."""
    number = ticket_number(raw)
    if number is None:
        return None
    try:
        return queries.ticket_for(current_user, number)
    except NotFound:
        raise ValidationFailed(_("Ticket #%(id)d does not exist.", id=number), {"field": "ticket"}) from None


def _failed(ticket_id: int, exc: ServicedeskError, **posted):
    """Nothing is kept; the page comes back with the message and what was typed."""
    db.session.rollback()
    if is_htmx():
        return render_template("tickets/_error.html", message=exc.message), exc.status
    flash(exc.message, "error")
    return _render_ticket(queries.ticket_for(current_user, ticket_id), exc.status, **posted)


def _done(ticket, message: str, anchor: str = ""):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".ticket", ticket_id=ticket.id) + anchor, 303)


@bp.post("/<id:ticket_id>/reply")
def reply(ticket_id: int):
    return _comment(ticket_id, internal=False)


@bp.post("/<id:ticket_id>/note")
def note(ticket_id: int):
    return _comment(ticket_id, internal=True)


def _comment(ticket_id: int, internal: bool):
    ticket = _workable(ticket_id)
    prefix = "note" if internal else "reply"
    form = CommentForm(prefix=prefix)
    try:
        validate(form)
        comment = ops.add_comment(ticket, current_user, form.body.data, internal=internal, channel=Channel.portal,
                                  files=form.uploads())
    except ServicedeskError as exc:
        if exc.details.get("field") == "file":
            form.file.errors = [*form.file.errors, exc.message]
        return _failed(ticket_id, exc, **{prefix: form})
    db.session.commit()
    if is_htmx():
        files = [f for f in queries.attachments_for(ticket, current_user) if f.comment_id == comment.id]
        return render_template("tickets/_comment.html", ticket=ticket, comment=comment, files=files, new=True)
    return _done(ticket, _("Internal note added.") if internal else _("Reply sent."), f"#comment-{comment.id}")


@bp.post("/<id:ticket_id>/transition")
def transition(ticket_id: int):
    ticket = _workable(ticket_id)
    form = TransitionForm()
    try:
        validate(form)
        try:
            target = Status(form.to.data)
        except ValueError:
            raise ValidationFailed(_("Unknown status.")) from None
        ops.transition_ticket(ticket, target, current_user, form.reason.data)
    except ServicedeskError as exc:
        return _failed(ticket_id, exc, transition=form)
    return _done(ticket, _("Status changed to %(status)s.", status=label(target)))


@bp.post("/<id:ticket_id>/fields")
def update_fields(ticket_id: int):
    ticket = _workable(ticket_id)
    form = FieldsForm()
    teams, staff, services, categories = _field_choices(form, ticket)
    try:
        validate(form)
        wanted = {
            "impact": Level(form.impact.data), "urgency": Level(form.urgency.data),
            "team": pick(by_id(teams), form.team.data, _("team")),
            "assignee": pick(by_id(staff), form.assignee.data, _("assignee")),
            "service": pick(by_id(services), form.service.data, _("service")),
            "category": pick(by_id(categories), form.category.data, _("category")),
            "has_workaround": form.has_workaround.data,
        }
        if form.priority.data:
            wanted["priority"] = Priority(form.priority.data)
        # only what differs: an unchanged, since deactivated assignee must not block other edits
        changes = {k: v for k, v in wanted.items() if getattr(ticket, k) != v}
        changes["tags"] = parse_tags(form.tags.data)  # the operation compares them itself
        if (form.eta.data or "") != local_input(ticket.eta_at):
            changes["eta_at"] = parse_local(form.eta.data)
        changed = ops.update_ticket(ticket, current_user, reason=form.reason.data or None, **changes)
    except ServicedeskError as exc:
        return _failed(ticket_id, exc, fields=form)
    return _done(ticket, _("Changes saved.") if changed else _("Nothing was changed."))


@bp.post("/<id:ticket_id>/assign-me")
def assign_me(ticket_id: int):
    ticket = _workable(ticket_id)
    try:
        validate(ButtonForm())
        ops.update_ticket(ticket, current_user, assignee=current_user._get_current_object())
    except ServicedeskError as exc:
        return _failed(ticket_id, exc)
    return _done(ticket, _("Assigned to you."))


@bp.post("/<id:ticket_id>/problem")
def link_problem(ticket_id: int):
    ticket = _workable(ticket_id)
    form = TicketRefForm(prefix="problem")
    try:
        validate(form)
        problem = _referenced(form.ticket.data)
        if problem is None:
            ops.update_ticket(ticket, current_user, problem=None)
        else:
            ops.link_problem(ticket, problem, current_user)
    except ServicedeskError as exc:
        return _failed(ticket_id, exc, problem=form)
    if problem is None:
        return _done(ticket, _("The link to the problem was removed."))
    return _done(ticket, _("Linked to problem #%(id)d.", id=problem.id))


@bp.post("/<id:ticket_id>/merge")
def merge(ticket_id: int):
    ticket = _workable(ticket_id)
    form = TicketRefForm(prefix="merge")
    try:
        validate(form)
        target = _referenced(form.ticket.data)
        if target is None:
            raise ValidationFailed(_("Enter the number of the ticket to merge into."), {"field": "ticket"})
        require_work(current_user, target)
        ops.merge_tickets(ticket, target, current_user, form.reason.data)
    except ServicedeskError as exc:
        return _failed(ticket_id, exc, merge=form)
    db.session.commit()
    flash(_("Ticket #%(dup)d was merged into this ticket.", dup=ticket.id), "success")
    return redirect(url_for(".ticket", ticket_id=target.id), 303)


@bp.post("/<id:ticket_id>/watchers")
def add_watcher(ticket_id: int):
    ticket = _workable(ticket_id)
    form = WatcherForm()
    try:
        validate(form)
        person = get_user_by_email(form.email.data)
        if person is None or not person.is_active:
            raise ValidationFailed(_("Nobody with the e-mail address %(email)s is known.", email=form.email.data))
        ops.add_watcher(ticket, person, current_user)
    except ServicedeskError as exc:
        return _failed(ticket_id, exc, watcher=form)
    return _done(ticket, _("%(name)s now watches this ticket.", name=person.name))


@bp.post("/<id:ticket_id>/watchers/<id:user_id>/remove")
def remove_watcher(ticket_id: int, user_id: int):
    ticket = _workable(ticket_id)
    try:
        validate(ButtonForm())
        person = require_user(user_id)
        ops.remove_watcher(ticket, person, current_user)
    except ServicedeskError as exc:
        return _failed(ticket_id, exc)
    return _done(ticket, _("%(name)s no longer watches this ticket.", name=person.name))


