"""The requester portal: open a ticket, follow it, reply, confirm or reopen, rate.

Everyone signed in uses the portal for their own requests (staff too, as requesters). It shows only
tickets the user requested or watches, and only what a requester may see: never internal notes,
internal attachments or internal events, whoever looks.
"""

from __future__ import annotations

from collections import defaultdict

from babel.dates import get_day_names
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from ..catalog.models import Category, Service
from ..catalog.queries import active_categories, active_services
from ..core.errors import InvalidTransition, NotFound, ServicedeskError
from ..extensions import db
from ..sla import queries as sla_queries
from ..tickets import attachments, lifecycle, operations, permissions, queries
from ..tickets.labels import transition_label
from ..tickets.models import DONE_STATUSES, OPEN_STATUSES, Channel, EventKind, Level, Status, Ticket, TicketType
from .forms import NONE, NewTicketForm, RatingForm, ReplyForm, StepForm
from .wording import HIDDEN_STEPS, REQUESTER_TYPES, STEP_WORDING, StepWording, plain_status, status_explanation

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates")

PAGE_SIZE = 25
#: history events a requester sees between the replies (others, like team changes, are staff business)
SHOWN_EVENTS = {EventKind.status_changed, EventKind.merged}


class _RequesterView:
    """Reads a ticket as its requester would (no internal notes, attachments or events), even when the
    signed-in user is staff using the portal for their own request."""

    id = None
    is_staff = False


REQUESTER_VIEW = _RequesterView()


@bp.before_request
@login_required
def _require_sign_in():
    return None


@bp.context_processor
def _portal_helpers():
    return {"plain_status": plain_status, "status_explanation": status_explanation,
            "attachment_url": attachment_url, "format_date": format_date}


def attachment_url(attachment) -> str:
    """Attachments are served by the tickets blueprint, which applies the same visibility rules."""
    try:
        return url_for("tickets.attachment", ticket_id=attachment.ticket_id, attachment_id=attachment.id)
    except BuildError:
        return f"/tickets/{attachment.ticket_id}/attachments/{attachment.id}"


def _load(ticket_id: int) -> Ticket:
    """A ticket the requester may see (permissions.py); staff see only their own requests here (they use
    the workspace for the rest)."""
    ticket = queries.ticket_for(current_user, ticket_id)
    mine = ticket.requester_id == current_user.id or any(w.id == current_user.id for w in ticket.watchers)
    if current_user.is_staff and not mine:
        raise NotFound(_("Request %(id)s does not exist.", id=ticket_id))
    return ticket


def _form_error(form, exc: ServicedeskError) -> None:
    """Show a domain error next to the field it is about (or at the top of the form)."""
    field = exc.details.get("field")
    field = {"file": "attachment"}.get(field, field)
    if field and field in form:
        form[field].errors = [*form[field].errors, exc.message]
    else:
        form.form_errors.append(exc.message)


# --- list -----------------------------------------------------------------------------------------------

@bp.get("/")
def my_tickets():
    def section(statuses, cursor_arg):
        return queries.list_tickets(
            current_user, queries.TicketFilter(requester_id=current_user.id, statuses=list(statuses)),
            sort="-created", limit=PAGE_SIZE, cursor=request.args.get(cursor_arg) or None,
        )

    return render_template("portal/my_tickets.html", open_page=section(OPEN_STATUSES, "open"),
                           done_page=section(DONE_STATUSES, "done"))


# --- the published service levels ------------------------------------------------------------------------

@bp.get("/service-levels")
def service_levels():
    """The SLA in plain words: targets per priority in business hours or days, the working hours and the
    holidays. Only what a requester should know (sla.queries.published_service_levels)."""
    policies, calendars = sla_queries.published_service_levels()
    return render_template("portal/service_levels.html", policies=policies, calendars=calendars,
                           day_names=get_day_names("wide", locale=get_locale()))


# --- open a ticket --------------------------------------------------------------------------------------

@bp.get("/new")
def new_ticket():
    """Step 1: what do you need? (each choice leads to the form for that kind of request)"""
    return render_template("portal/choose_type.html", choices=REQUESTER_TYPES.values(),
                           service=request.args.get("service", type=int))


@bp.route("/new/<kind>", methods=["GET", "POST"])
def open_ticket(kind: str):
    choice = REQUESTER_TYPES.get(TicketType._value2member_map_.get(kind))
    if choice is None:
        raise NotFound(_("There is no such kind of request. Choose one of the options offered."))
    form = NewTicketForm()
    form.set_choices(active_services(), active_categories())
    if request.method == "GET":
        form.urgency.data = Level.medium.value if choice.type is TicketType.incident else Level.low.value
        if request.args.get("service", type=int) in {c.value for c in form.service.choices}:
            form.service.data = request.args.get("service", type=int)
    elif form.validate_on_submit():
        try:
            ticket = operations.create_ticket(
                current_user, type=choice.type, channel=Channel.portal,
                subject=form.subject.data, description=form.description.data or "",
                impact=Level(form.impact.data), urgency=Level(form.urgency.data),
                service=db.session.get(Service, form.service.data) if form.service.data != NONE else None,
                category=db.session.get(Category, form.category.data) if form.category.data != NONE else None,
            )
            operations.add_attachments(ticket, current_user, form.uploads())
        except ServicedeskError as exc:
            db.session.rollback()
            _form_error(form, exc)
            return _new_ticket_page(form, choice, exc.status)
        db.session.commit()
        flash(_("Thank you. Your request %(ref)s was received; we will keep you posted here.",
                ref=ticket.reference), "success")
        return redirect(url_for(".ticket", ticket_id=ticket.id))
    return _new_ticket_page(form, choice, 422 if request.method == "POST" else 200)


def _new_ticket_page(form: NewTicketForm, choice, status: int):
    return render_template("portal/new_ticket.html", form=form, choice=choice,
                           file_limits=attachments.limits(current_app.config)), status


# --- one ticket -----------------------------------------------------------------------------------------

def _steps(ticket: Ticket) -> list[tuple[lifecycle.Transition, StepWording]]:
    """The lifecycle steps the requester can take now. Only the requester takes them (not watchers);
    staff on their own request take them too (operations know them as the requester, lifecycle.roles_for)."""
    if not permissions.can_take_requester_steps(current_user, ticket):
        return []
    steps = []
    for t in lifecycle.transitions_from(ticket.status, lifecycle.REQUESTER):
        if (t.source, t.target) in HIDDEN_STEPS:
            continue
        wording = STEP_WORDING.get((t.source, t.target)) or StepWording(
            transition_label(t), "", _("Reason") if t.needs_reason else None)
        steps.append((t, wording))
    return steps


def _can_rate(ticket: Ticket) -> bool:
    return (permissions.can_take_requester_steps(current_user, ticket)
            and ticket.status in (Status.resolved, Status.closed))


def _ticket_page(ticket: Ticket, *, reply=None, step_target=None, step_form=None, rating=None,
                 error=None, status=200):
    entries = [
        e for e in queries.timeline_for(ticket, REQUESTER_VIEW)
        if e.kind == "comment" or e.item.kind in SHOWN_EVENTS
    ]
    files = defaultdict(list)
    for attachment in queries.attachments_for(ticket, REQUESTER_VIEW):
        files[attachment.comment_id].append(attachment)
    steps = [
        (t, wording, step_form if t.target is step_target else StepForm(prefix=t.target.value, formdata=None))
        for t, wording in _steps(ticket)
    ]
    return render_template(
        "portal/ticket.html", ticket=ticket, entries=entries, files=files, steps=steps, error=error,
        reply_form=reply or ReplyForm(formdata=None), file_limits=attachments.limits(current_app.config),
        can_reply=ticket.status is not Status.closed and permissions.can_participate(current_user, ticket),
        can_rate=_can_rate(ticket), rating_form=rating or RatingForm(formdata=None),
        aim_at=None if ticket.eta_at else sla_queries.expected_resolution(ticket),
    ), status


@bp.get("/tickets/<id:ticket_id>")
def ticket(ticket_id: int):
    return _ticket_page(_load(ticket_id))


@bp.post("/tickets/<id:ticket_id>/reply")
def reply(ticket_id: int):
    ticket = _load(ticket_id)
    permissions.require_participate(current_user, ticket)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _ticket_page(ticket, reply=form, status=422)
    try:
        operations.add_comment(ticket, current_user, form.body.data, channel=Channel.portal, files=form.uploads())
    except ServicedeskError as exc:
        db.session.rollback()
        _form_error(form, exc)
        return _ticket_page(ticket, reply=form, status=exc.status)
    db.session.commit()
    flash(_("Your reply was sent."), "success")
    return redirect(url_for(".ticket", ticket_id=ticket.id))


@bp.post("/tickets/<id:ticket_id>/steps/<target>")
def take_step(ticket_id: int, target: str):
    ticket = _load(ticket_id)
    step = next(((t, w) for t, w in _steps(ticket) if t.target.value == target), None)
    if step is None:
        raise InvalidTransition(_("This step is not possible now: the request is “%(status)s”.",
                                  status=plain_status(ticket.status)))
    transition, wording = step
    form = StepForm(prefix=target)
    is_valid = form.validate_on_submit()
    if is_valid and transition.needs_reason and not (form.reason.data or "").strip():
        form.reason.errors = [_("Please tell us why.")]
        is_valid = False
    if not is_valid:
        return _ticket_page(ticket, step_target=transition.target, step_form=form, status=422)
    try:
        operations.transition_ticket(ticket, transition.target, current_user, form.reason.data)
    except ServicedeskError as exc:
        db.session.rollback()
        _form_error(form, exc)
        return _ticket_page(ticket, step_target=transition.target, step_form=form, status=exc.status)
    db.session.commit()
    flash(_("Done. Your request is now “%(status)s”.", status=plain_status(transition.target)), "success")
    return redirect(url_for(".ticket", ticket_id=ticket.id))


@bp.post("/tickets/<id:ticket_id>/rating")
def rate(ticket_id: int):
    ticket = _load(ticket_id)
    form = RatingForm()
    if not form.validate_on_submit():
        return _ticket_page(ticket, rating=form, status=422)
    try:
        operations.rate_ticket(ticket, current_user, form.score.data, form.comment.data)
    except ServicedeskError as exc:
        db.session.rollback()
        return _ticket_page(ticket, rating=form, error=exc.message, status=exc.status)
    db.session.commit()
    flash(_("Thank you for your rating."), "success")
    return redirect(url_for(".ticket", ticket_id=ticket.id))
