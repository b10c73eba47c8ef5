"""Tickets: create, list (keyset pages), read, change, move through the lifecycle, merge, history."""

from __future__ import annotations

from ..extensions import db
from ..sla.queries import sla_events, sla_summaries
from ..tickets import operations as ops
from ..tickets.models import OPEN_STATUSES, Channel, Status
from ..tickets.permissions import require_work
from ..tickets.queries import COUNT_CAP, TicketFilter, history_for, list_tickets, ticket_for
from . import schemas as s
from .access import require_create_for, require_transition
from .auth import accepts, current_user, make_blueprint
from .errors import documents
from .references import resolve, resolve_person, resolve_ticket

blp = make_blueprint("api-tickets", __name__, "Tickets", "One model for incidents, service requests, "
                     "problems and questions: open, list, read, change, move through the lifecycle, merge.")

TICKET = "/tickets/<id:ticket_id>"


def _status_filter(values: list[str] | None) -> tuple[list[Status], bool]:
    """("open" | "all" | status names) -> (statuses, include_done)."""
    if not values:
        return [], False
    if "all" in values:
        return [], True
    statuses: list[Status] = []
    for value in values:
        for status in OPEN_STATUSES if value == "open" else (Status(value),):
            if status not in statuses:
                statuses.append(status)
    return statuses, False


def _committed(ticket):
    """Commit and answer with the ticket; its SLA targets are read before the commit, in the same transaction
    (afterwards, the answer would open a new one just for them: two more round trips per request)."""
    ticket.sla_page = sla_summaries([ticket.id])[ticket.id]
    db.session.commit()
    return ticket


@blp.route("/tickets", methods=["GET"])
@blp.arguments(s.TicketListArgs, location="query", unknown="raise", as_kwargs=False)
@blp.response(200, s.TicketPageSchema)
@documents(blp)
def list_tickets_view(args):
    """Tickets the caller may see, newest first, one keyset page at a time"""
    user = current_user()
    statuses, include_done = _status_filter(args.get("status"))
    assignee = args.get("assignee")
    requester = args.get("requester")
    f = TicketFilter(
        statuses=statuses, include_done=include_done, team_id=args.get("team"),
        assignee_id={"me": user.id, "none": 0}.get(assignee, assignee),
        requester_id=user.id if requester == "me" else requester,
        priorities=args.get("priority", []), types=args.get("type", []), service_id=args.get("service"),
        query=args.get("q", ""),
    )
    page = list_tickets(user, f, sort=args["sort"], limit=args["limit"], cursor=args.get("cursor"))
    summaries = sla_summaries(t.id for t in page.items)
    for ticket in page.items:
        ticket.sla_page = summaries[ticket.id]
    return {"items": page.items, "next_cursor": page.next_cursor,
            "count": page.count if page.count_is_estimate else min(page.count, COUNT_CAP),
            "count_is_capped": page.count_is_capped, "count_is_estimate": page.count_is_estimate}


@blp.route("/tickets", methods=["POST"])
@accepts("json")
@blp.arguments(s.TicketCreateSchema)
@blp.response(201, s.TicketSchema)
@documents(blp, 403, 415)
def create_ticket_view(args):
    """Open a ticket (channel "api"); staff may open one for a requester given by id or e-mail"""
    user = current_user()
    require_create_for(user, args.get("requester"))
    ticket = ops.create_ticket(
        user, subject=args["subject"], description=args["description"], type=args["type"],
        requester=resolve_person("requester", args.get("requester")), channel=Channel.api,
        impact=args["impact"], urgency=args["urgency"], service=resolve("service", args.get("service")),
        category=resolve("category", args.get("category")), tags=args.get("tags", ()),
        has_workaround=args["has_workaround"],
    )
    return _committed(ticket)


@blp.route(TICKET, methods=["GET"])
@blp.response(200, s.TicketSchema)
@documents(blp, 404)
def get_ticket_view(ticket_id: int):
    """One ticket"""
    return ticket_for(current_user(), ticket_id)


@blp.route(TICKET, methods=["PATCH"])
@accepts("json")
@blp.arguments(s.TicketUpdateSchema)
@blp.response(200, s.TicketSchema)
@documents(blp, 403, 404, 415)
def update_ticket_view(args, ticket_id: int):
    """Change fields (staff who may work on the ticket); each change is recorded with the reason"""
    user = current_user()
    ticket = ticket_for(user, ticket_id)
    require_work(user, ticket)
    changes = dict(args)
    reason = changes.pop("reason", None)
    for field in ("service", "category", "team", "assignee"):
        if field in changes:
            changes[field] = resolve(field, changes[field])
    if "problem" in changes:
        changes["problem"] = resolve_ticket("problem", user, changes["problem"])
    ops.update_ticket(ticket, user, reason=reason, **changes)
    return _committed(ticket)


@blp.route(TICKET + "/transitions", methods=["POST"])
@accepts("json")
@blp.arguments(s.TransitionCreateSchema)
@blp.response(200, s.TicketSchema)
@documents(blp, 403, 404, 409, 415)
def transition_ticket_view(args, ticket_id: int):
    """Move the ticket to another status; see allowed_transitions for the steps open to the caller"""
    user = current_user()
    ticket = ticket_for(user, ticket_id)
    require_transition(user, ticket, args["to"])
    ops.transition_ticket(ticket, args["to"], user, args.get("reason"))
    return _committed(ticket)


@blp.route(TICKET + "/merge", methods=["POST"])
@accepts("json")
@blp.arguments(s.MergeSchema)
@blp.response(200, s.TicketSchema)
@documents(blp, 403, 404, 409, 415)
def merge_ticket_view(args, ticket_id: int):
    """Merge this duplicate into another ticket: its replies and files move there and it is closed"""
    user = current_user()
    duplicate = ticket_for(user, ticket_id)
    require_work(user, duplicate)
    target = resolve_ticket("into", user, args["into"])
    require_work(user, target)
    ops.merge_tickets(duplicate, target, user, args.get("reason"))
    return _committed(duplicate)


@blp.route(TICKET + "/sla/events", methods=["GET"])
@blp.response(200, s.SlaEventSchema(many=True))
@documents(blp, 404)
def ticket_sla_events_view(ticket_id: int):
    """The SLA ledger: every start, pause, resume, policy choice, recompute, met, warning and breach, with why"""
    return sla_events(ticket_for(current_user(), ticket_id))


@blp.route(TICKET + "/history", methods=["GET"])
@blp.response(200, s.EventSchema(many=True))
@documents(blp, 404)
def ticket_history_view(ticket_id: int):
    """Every change: who, when, old -> new, why (requesters do not see internal events)"""
    user = current_user()
    return history_for(ticket_for(user, ticket_id), user)
