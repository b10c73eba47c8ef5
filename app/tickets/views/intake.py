"""Attachment downloads (staff and requesters) and "Log a call" (a ticket on a requester's behalf)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...catalog.queries import active_categories, active_services
from ...core.errors import NotFound, PermissionDenied, ServicedeskError, ValidationFailed
from ...extensions import db
from ...users.operations import get_user_by_email
from ...users.queries import find_requesters
from .. import attachments, queries
from .. import operations as ops
from ..forms import NewTicketForm, by_id
from ..models import Channel, Level, TicketType
from ..permissions import can_create_for_others
from .common import bp, pick, validate

#: content types a browser could run as a page: served as plain bytes instead
_ACTIVE_TYPES = ("html", "xml", "javascript", "ecmascript")


@bp.get("/<id:ticket_id>/attachments/<id:attachment_id>")
def attachment(ticket_id: int, attachment_id: int):
    """Download for staff and for the requester: never rendered inline, never run as a page."""
    ticket = queries.ticket_for(current_user, ticket_id)
    item = queries.attachment_for(ticket, current_user, attachment_id)
    path = attachments.path_for(current_app.config["DATA_DIR"], item.sha256)
    if not path.is_file():
        raise NotFound(_("The file of this attachment is missing."))
    content_type = item.content_type.lower()
    if any(word in content_type for word in _ACTIVE_TYPES) or "/" not in content_type:
        content_type = "application/octet-stream"
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=item.filename,
                         conditional=True, etag=item.sha256, max_age=0)
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- "Log a call" -------------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
def new_ticket():
    if not can_create_for_others(current_user):
        raise PermissionDenied(_("Your access is read-only."))
    services, categories = active_services(), active_categories()
    form = NewTicketForm()
    form.set_choices(services, categories)
    if request.method == "GET":
        form.requester.data = request.args.get("requester", "")[:254]
        return render_template("tickets/new.html", form=form)
    try:
        validate(form)
        requester = get_user_by_email(form.requester.data)
        if requester is None:
            raise ValidationFailed(
                _("Nobody with the e-mail address %(email)s is known. Check the address, or ask an administrator "
                  "to create the account.", email=form.requester.data), {"field": "requester"})
        ticket = ops.create_ticket(
            current_user, subject=form.subject.data, description=form.description.data or "",
            type=TicketType(form.type.data), requester=requester, channel=Channel(form.channel.data),
            impact=Level(form.impact.data), urgency=Level(form.urgency.data),
            service=pick(by_id(services), form.service.data, _("service")),
            category=pick(by_id(categories), form.category.data, _("category")),
            assignee=current_user._get_current_object() if form.assign_to_me.data else None,
        )
    except ServicedeskError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return render_template("tickets/new.html", form=form), exc.status
    db.session.commit()
    flash(_("Ticket #%(id)d logged for %(name)s.", id=ticket.id, name=requester.name), "success")
    return redirect(url_for(".ticket", ticket_id=ticket.id), 303)


@bp.get("/requesters")
def requester_options():
    """Suggestions for the requester field of "Log a call" (an htmx datalist)."""
    text = request.args.get("requester", "").strip()
    people = find_requesters(text[:100], limit=10) if len(text) >= 2 else []
    return render_template("tickets/_requester_options.html", people=people)
