"""The ticket page: timeline, composer, status steps, field edits, problem links, merges, watchers,
and "Log a call"."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from app.catalog.models import Category
from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Channel, Comment, Level, Priority, Status, Ticket, TicketType
from app.users.models import Role

from . import test_views as shared
from .test_views import flashes, fresh, text

# fixtures shared with test_views.py
agent, agent_client, desk, network = shared.agent, shared.agent_client, shared.desk, shared.network
requester, service = shared.requester, shared.service


@pytest.fixture
def ticket(requester, desk, agent):
    t = ops.create_ticket(requester, subject="VPN drops every hour", description="Since Monday.\nOn Wi-Fi only.",
                          team=desk, impact=Level.medium, urgency=Level.medium)
    ops.add_comment(t, agent, "Which client version do you use?")
    ops.add_comment(t, agent, "Probably the new firewall rule.", internal=True)
    db.session.commit()
    return t


def comments(ticket) -> list[Comment]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Comment).where(Comment.ticket_id == ticket.id).order_by(Comment.id)))


def test_ticket_page_shows_requester_timeline_and_notes_to_staff(agent_client, ticket, requester):
    page = text(agent_client.get(f"/tickets/{ticket.id}"))
    assert f'<h1><span class="ticket-ref">#{ticket.id}</span> VPN drops every hour</h1>' in page
    assert requester.name in page and requester.email in page and "Finance" in page
    assert '<span class="badge vip">VIP</span>' in page
    assert "Which client version do you use?" in page
    note = re.search(r'<article class="comment note">(.*?)</article>', page, re.S).group(1)
    assert "Internal note" in note and "Probably the new firewall rule." in note
    assert "opened the ticket" in page and "impact medium × urgency medium → P3" in page  # events and why
    assert 'id="reply-body"' in page and 'id="note-body"' in page and 'id="assign-me"' in page
    assert 'id="shortcuts"' in page


def test_transition_buttons_come_from_the_lifecycle(agent_client, ticket):
    page = html.unescape(text(agent_client.get(f"/tickets/{ticket.id}")))
    buttons = re.findall(r'<button type="submit" name="to" value="(\w+)"', page)
    assert buttons == ["triage", "in_progress", "awaiting_requester", "resolved", "rejected"]
    assert ">Reject *</button>" in page  # needs a reason


def test_reply_is_public_and_redirects_to_it(agent_client, ticket):
    response = agent_client.post(f"/tickets/{ticket.id}/reply", data={"reply-body": "Please try client 5.2."})
    assert response.status_code == 303
    new = comments(ticket)[-1]
    assert response.headers["Location"] == f"/tickets/{ticket.id}#comment-{new.id}"
    assert new.body == "Please try client 5.2." and not new.is_internal
    assert fresh(ticket).first_response_at is not None
    assert flashes(agent_client.get(f"/tickets/{ticket.id}")) == ["Reply sent."]


def test_note_is_internal(agent_client, ticket):
    assert agent_client.post(f"/tickets/{ticket.id}/note", data={"note-body": "Escalate?"}).status_code == 303
    assert comments(ticket)[-1].is_internal


def test_htmx_reply_returns_just_the_new_timeline_entry(agent_client, ticket):
    response = agent_client.post(f"/tickets/{ticket.id}/note", data={"note-body": "live <i>note</i>"},
                                 headers={"HX-Request": "true"})
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<li id="comment-{comments(ticket)[-1].id}"') and "<html" not in body
    assert "Internal note" in body and "live &lt;i&gt;note&lt;/i&gt;" in body


def test_empty_reply_is_refused_with_the_form_again(agent_client, ticket):
    before = len(comments(ticket))
    response = agent_client.post(f"/tickets/{ticket.id}/reply", data={"reply-body": "   "})
    assert response.status_code == 422
    assert any("Message" in m for m in flashes(response))
    assert 'id="reply-body"' in text(response)
    assert len(comments(ticket)) == before


def test_htmx_error_is_a_small_fragment(agent_client, ticket):
    response = agent_client.post(f"/tickets/{ticket.id}/reply", data={"reply-body": ""},
                                 headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert text(response).startswith('<p class="flash error" role="alert">')


def test_allowed_transition_changes_status(agent_client, ticket):
    response = agent_client.post(f"/tickets/{ticket.id}/transition", data={"to": "in_progress"})
    assert response.status_code == 303
    assert fresh(ticket).status is Status.in_progress
    assert "Status changed to In progress." in flashes(agent_client.get(f"/tickets/{ticket.id}"))


@pytest.mark.parametrize("data, status, message", [
    ({"to": "closed"}, 409, "cannot go from new to closed"),
    ({"to": "awaiting_validation"}, 409, "Allowed from new: triage"),
    ({"to": "rejected", "reason": " "}, 409, "needs a reason"),
    ({"to": "flying"}, 422, "Unknown status"),
])
def test_disallowed_transition_is_409_and_changes_nothing(agent_client, ticket, data, status, message):
    response = agent_client.post(f"/tickets/{ticket.id}/transition", data=data)
    assert response.status_code == status
    assert any(message in m for m in flashes(response))
    t = fresh(ticket)
    assert t.status is Status.new and t.updated_at == ticket.updated_at


def test_reject_with_reason(agent_client, ticket):
    response = agent_client.post(f"/tickets/{ticket.id}/transition", data={"to": "rejected", "reason": "Not IT"})
    assert response.status_code == 303 and fresh(ticket).status is Status.rejected
    assert "Why: Not IT" in text(agent_client.get(f"/tickets/{ticket.id}"))


def fields(ticket, **changes) -> dict:
    data = {"impact": ticket.impact.value, "urgency": ticket.urgency.value, "priority": "", "reason": "",
            "team": str(ticket.team_id or ""), "assignee": str(ticket.assignee_id or ""),
            "service": str(ticket.service_id or ""), "category": str(ticket.category_id or ""),
            "tags": ", ".join(t.name for t in ticket.tags), "eta": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_field_edits_recompute_priority_and_show_why(agent_client, ticket, agent, network, service):
    category = Category(name="Network access")
    db.session.add(category)
    db.session.commit()
    response = agent_client.post(f"/tickets/{ticket.id}/fields", data=fields(
        ticket, impact="high", urgency="high", team=str(network.id), assignee=str(agent.id),
        service=str(service.id), category=str(category.id), tags="VPN, Remote Work", eta="2030-03-01T09:30",
        has_workaround="y"))
    assert response.status_code == 303
    t = fresh(ticket)
    assert (t.impact, t.urgency, t.priority) == (Level.high, Level.high, Priority.p1)
    assert t.team_id == network.id and t.assignee_id == agent.id
    assert t.service_id == service.id and t.category_id == category.id
    assert [tag.name for tag in t.tags] == ["remote-work", "vpn"]
    assert t.eta_at == datetime(2030, 3, 1, 8, 30, tzinfo=UTC)  # entered in Europe/Berlin
    assert t.has_workaround
    page = text(agent_client.get(f"/tickets/{ticket.id}"))
    assert "impact high × urgency high → P1" in page
    assert 'value="2030-03-01T09:30"' in page  # shown back in the user's zone


def test_saving_unchanged_details_changes_nothing(agent_client, ticket):
    response = agent_client.post(f"/tickets/{ticket.id}/fields", data=fields(ticket))
    assert response.status_code == 303
    assert "Nothing was changed." in flashes(agent_client.get(f"/tickets/{ticket.id}"))


def test_priority_override_needs_reason(agent_client, ticket):
    response = agent_client.post(f"/tickets/{ticket.id}/fields", data=fields(ticket, priority="P1", impact="low"))
    assert response.status_code == 422
    assert "Overriding the priority needs a reason." in flashes(response)
    assert '<option selected value="P1">' in text(response) or 'value="P1" selected' in text(response)
    t = fresh(ticket)
    assert t.priority is Priority.p2 and t.impact is Level.medium  # nothing of the form was kept (P3 + VIP)
    response = agent_client.post(f"/tickets/{ticket.id}/fields",
                                 data=fields(ticket, priority="P1", reason="CEO presentation at 10"))
    assert response.status_code == 303
    t = fresh(ticket)
    assert t.priority is Priority.p1 and "CEO presentation at 10" in t.priority_reason
    assert "CEO presentation at 10" in text(agent_client.get(f"/tickets/{ticket.id}"))


@pytest.mark.parametrize("change, message", [
    ({"team": "999999"}, "Not a valid choice"),
    ({"impact": "huge"}, "Not a valid choice"),
    ({"eta": "next tuesday"}, "is not a date and time"),
])
def test_bad_field_values_are_422(agent_client, ticket, change, message):
    response = agent_client.post(f"/tickets/{ticket.id}/fields", data=fields(ticket, **change))
    assert response.status_code == 422 and any(message in m for m in flashes(response))


def test_assign_to_me(agent_client, ticket, agent):
    response = agent_client.post(f"/tickets/{ticket.id}/assign-me")
    assert response.status_code == 303 and fresh(ticket).assignee_id == agent.id
    assert 'id="assign-me"' not in text(agent_client.get(f"/tickets/{ticket.id}"))


def test_link_to_problem_and_unlink(agent_client, ticket, agent, requester):
    problem = ops.create_ticket(agent, subject="Firewall rule 42", type=TicketType.problem, requester=agent)
    db.session.commit()
    response = agent_client.post(f"/tickets/{ticket.id}/problem", data={"problem-ticket": f"#{problem.id}"})
    assert response.status_code == 303 and fresh(ticket).problem_id == problem.id
    assert "Root cause tracked in" in text(agent_client.get(f"/tickets/{ticket.id}"))
    problem_page = text(agent_client.get(f"/tickets/{problem.id}"))
    assert "Related incidents" in problem_page and f"#{ticket.id} VPN drops every hour" in problem_page
    response = agent_client.post(f"/tickets/{ticket.id}/problem", data={"problem-ticket": ""})
    assert response.status_code == 303 and fresh(ticket).problem_id is None


@pytest.mark.parametrize("number, message", [
    ("999999", "Ticket #999999 does not exist."), ("abc", "is not a ticket number"), ("SELF", "is not a problem"),
])
def test_link_to_bad_problem_is_422(agent_client, ticket, number, message):
    number = str(ticket.id) if number == "SELF" else number
    response = agent_client.post(f"/tickets/{ticket.id}/problem", data={"problem-ticket": number})
    assert response.status_code == 422 and any(message in m for m in flashes(response))
    assert fresh(ticket).problem_id is None


def test_merge_into_another_ticket(agent_client, ticket, requester, make_user):
    other = make_user(Role.requester)
    duplicate = ops.create_ticket(other, subject="VPN broken")
    ops.add_comment(duplicate, other, "Me too")
    db.session.commit()
    response = agent_client.post(f"/tickets/{duplicate.id}/merge",
                                 data={"merge-ticket": str(ticket.id), "merge-reason": "same outage"})
    assert response.status_code == 303 and response.headers["Location"] == f"/tickets/{ticket.id}"
    dup = fresh(duplicate)
    assert dup.merged_into_id == ticket.id and dup.status is Status.closed
    page = text(agent_client.get(f"/tickets/{ticket.id}"))
    assert "Me too" in page and f"merged #{duplicate.id} into this ticket" in page
    dup_page = text(agent_client.get(f"/tickets/{duplicate.id}"))
    assert "This ticket was merged into" in dup_page and 'id="merge-ticket"' not in dup_page


def test_merge_needs_an_existing_open_target(agent_client, ticket):
    for number, status in [("", 422), ("424242", 422), (str(ticket.id), 422)]:
        response = agent_client.post(f"/tickets/{ticket.id}/merge", data={"merge-ticket": number})
        assert response.status_code == status, number
    assert fresh(ticket).merged_into_id is None and fresh(ticket).status is Status.new


def test_watchers_add_and_remove(agent_client, ticket, make_user):
    colleague = make_user(Role.requester, name="Wendy Watcher")
    response = agent_client.post(f"/tickets/{ticket.id}/watchers", data={"email": colleague.email.upper()})
    assert response.status_code == 303 and colleague in fresh(ticket).watchers
    assert "Wendy Watcher" in text(agent_client.get(f"/tickets/{ticket.id}"))
    response = agent_client.post(f"/tickets/{ticket.id}/watchers/{colleague.id}/remove")
    assert response.status_code == 303 and colleague not in fresh(ticket).watchers
    response = agent_client.post(f"/tickets/{ticket.id}/watchers", data={"email": "nobody@example.org"})
    assert response.status_code == 422 and fresh(ticket).watchers == []


def test_unknown_ticket_is_404(agent_client):
    assert agent_client.get("/tickets/424242").status_code == 404
    assert agent_client.post("/tickets/424242/reply", data={"reply-body": "x"}).status_code == 404


def test_another_teams_ticket_is_404_for_an_agent(agent_client, requester, network):
    hidden = ops.create_ticket(requester, subject="Core switch", team=network)
    db.session.commit()
    assert agent_client.get(f"/tickets/{hidden.id}").status_code == 404
    assert agent_client.post(f"/tickets/{hidden.id}/transition", data={"to": "triage"}).status_code == 404
    assert fresh(hidden).status is Status.new


# --- "Log a call" --------------------------------------------------------------------------------------

def test_log_a_call_for_a_requester(agent_client, agent, requester, service):
    assert 'id="requester"' in text(agent_client.get(f"/tickets/new?requester={requester.email}"))
    response = agent_client.post("/tickets/new", data={
        "requester": requester.email, "channel": "walk_up", "type": "service_request", "service": str(service.id),
        "category": "", "impact": "low", "urgency": "high", "subject": "Needs a headset",
        "description": "Came by the desk.", "assign_to_me": "y",
    })
    assert response.status_code == 303
    t = db.session.scalars(db.select(Ticket).where(Ticket.subject == "Needs a headset")).one()
    assert response.headers["Location"] == f"/tickets/{t.id}"
    assert t.requester_id == requester.id and t.created_by_id == agent.id and t.assignee_id == agent.id
    assert (t.channel, t.type, t.service_id) == (Channel.walk_up, TicketType.service_request, service.id)
    assert t.priority is Priority.p2  # low x high = P3, raised for the VIP requester
    page = text(agent_client.get(response.headers["Location"]))
    assert f"Ticket #{t.id} logged for {requester.name}." in page and "logged by Alex Agent" in page


@pytest.mark.parametrize("change, status, message", [
    ({"requester": "ghost@example.org"}, 422, "Nobody with the e-mail address ghost@example.org is known."),
    ({"subject": ""}, 422, "Subject"),
    ({"channel": "telepathy"}, 422, "Not a valid choice"),
    ({"subject": "x" * 251}, 422, "Subject"),
])
def test_log_a_call_bad_input(agent_client, requester, change, status, message):
    data = {"requester": requester.email, "channel": "phone", "type": "incident", "impact": "medium",
            "urgency": "medium", "subject": "Printer", "description": ""} | change
    response = agent_client.post("/tickets/new", data=data)
    assert response.status_code == status and any(message in m for m in flashes(response))
    assert 'id="subject"' in text(response)  # the form comes back with what was typed
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 0


def test_requester_suggestions(agent_client, requester):
    body = text(agent_client.get("/tickets/requesters?requester=dana"))
    assert f'<option value="{requester.email}">Dana Finance · Finance</option>' in body
    assert text(agent_client.get("/tickets/requesters?requester=d")).strip() == ""
