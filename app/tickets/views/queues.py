"""Queue views with filters, sorting and keyset pages; bulk actions on selected tickets."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ...catalog.queries import active_services
from ...core.errors import ServicedeskError, ValidationFailed
from ...extensions import db
from ...users.queries import all_teams, staff_names, staff_users
from .. import operations as ops
from .. import queries
from ..forms import SORT_OPTIONS, BulkForm, QueueArgs, by_id, parse_queue_args
from ..models import Priority, Status, TicketType
from ..permissions import can_work_on_ticket
from .common import bp, pick, validate
from .extensions import workspace_extensions


@bp.get("/")
def queue():
    return _render_queue(request.args)


def _render_queue(args: MultiDict, status: int = 200, bulk_form: BulkForm | None = None):
    teams, staff, services = all_teams(), staff_names(), active_services()
    extensions = workspace_extensions()
    try:
        qa, page = _queue_page(args, extensions)
    except ValidationFailed as exc:
        flash(exc.message, "error")
        qa, page, status = QueueArgs(filter=queries.TicketFilter()), queries.Page([], None, 0), 422
    if bulk_form is None:
        bulk_form = BulkForm(formdata=None)
    bulk_form.set_choices(teams, staff)
    presets = [(_("Assigned to me"), {"assignee": "me"})]
    presets += [(_("Team %(name)s", name=t.name), {"team": str(t.id)}) for t in current_user.teams]
    presets += [(_("Unassigned"), {"assignee": "none"}), (_("All open"), {})]
    keep = {k: v for k, v in args.to_dict(flat=False).items() if k != "cursor"}  # links to other pages
    sort_kept = {"sort": qa.sort} if qa.sort != "newest" else {}
    return render_template(
        "tickets/queue.html", page=page, qa=qa, chosen=args, teams=teams, staff=staff, services=services,
        bulk=bulk_form,
        tabs=[(name, url_for(".queue", **preset, **sort_kept), preset == qa.values) for name, preset in presets],
        next_url=page.next_cursor and url_for(".queue", **keep, cursor=page.next_cursor),
        first_url=qa.cursor and url_for(".queue", **keep), query_string=urlencode(list(args.items(multi=True))),
        count_text=_count_text(page),
        sort_options={**SORT_OPTIONS, **{name: (name, sort.label) for name, sort in extensions.sorts.items()}},
        statuses=list(Status), priorities=list(Priority), types=list(TicketType),
        columns=[(column.header, column.cells(page.items)) for column in extensions.columns],
        workspace_links=extensions.links,
    ), status


def _count_text(page: queries.Page) -> str:
    if page.count_is_estimate:
        rounded = round(page.count, 2 - len(str(page.count)))  # two significant digits: 93,218 -> 93,000
        return ngettext("about %(count)s ticket", "about %(count)s tickets", rounded, count=format_number(rounded))
    if page.count_is_capped:
        return _("%(n)s+ tickets", n=queries.COUNT_CAP)
    return ngettext("%(num)d ticket", "%(num)d tickets", page.count)


def _queue_page(args: MultiDict, extensions) -> tuple[QueueArgs, queries.Page]:
    """The page the URL asks for; a sort that another domain added (extensions.py) lists the page itself."""
    added = extensions.sorts.get(args.get("sort", ""))
    if added is None:
        qa = parse_queue_args(args, current_user)
        return qa, queries.list_tickets(current_user, qa.filter, sort=SORT_OPTIONS[qa.sort][0], limit=qa.limit,
                                        cursor=qa.cursor)
    rest = MultiDict(args)
    rest.poplist("sort")
    qa = parse_queue_args(rest, current_user)
    qa.sort = args["sort"]
    return qa, added.list_page(current_user, qa.filter, qa.limit, qa.cursor)


@bp.post("/bulk")
def bulk():
    teams, staff = all_teams(), staff_users()
    form = BulkForm()
    form.set_choices(teams, staff)
    back = MultiDict(parse_qsl(request.form.get("query", ""), keep_blank_values=False))
    try:
        validate(form)
        changes = {}
        if form.assignee.data == "none":
            changes["assignee"] = None
        elif form.assignee.data:
            people = {"me": current_user._get_current_object()} | by_id(staff)
            changes["assignee"] = pick(people, form.assignee.data, _("assignee"))
        if form.team.data:
            changes["team"] = pick(by_id(teams), form.team.data, _("team"))
        if form.priority.data:
            changes["priority"] = Priority(form.priority.data)
        target = Status(form.status.data) if form.status.data else None
        if not form.ids.data:
            raise ValidationFailed(_("Select at least one ticket."))
        if not changes and target is None:
            raise ValidationFailed(_("Choose a change to apply to the selected tickets."))
        tickets = queries.tickets_by_ids(current_user, form.ids.data)
        errors = {i: _("not found") for i in set(form.ids.data) - {t.id for t in tickets}}
        errors |= {t.id: _("You may not change this ticket.") for t in tickets
                   if not can_work_on_ticket(current_user, t)}
        workable = [t for t in tickets if t.id not in errors]
        errors |= ops.bulk_update(workable, current_user, status=target, reason=form.reason.data or None, **changes)
    except ServicedeskError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_queue(back, exc.status, form)
    db.session.commit()
    done = sum(1 for t in workable if t.id not in errors)
    flash(ngettext("%(num)d ticket changed.", "%(num)d tickets changed.", done), "success")
    if errors:
        details = "; ".join(f"#{i}: {msg}" for i, msg in sorted(errors.items()))
        flash(ngettext("%(num)d ticket could not be changed: %(details)s",
                       "%(num)d tickets could not be changed: %(details)s", len(errors), details=details), "error")
    return redirect(url_for(".queue", **back.to_dict(flat=False)), 303)


