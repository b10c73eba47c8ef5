"""The requester's ticket page: public conversation only, reply, lifecycle steps, CSAT, permissions."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Channel, Status
from app.users.models import Role


def _reload(ticket):
    db.session.expire_all()
    return db.session.get(type(ticket), ticket.id)


def test_ticket_page_shows_subject_status_dates_eta_and_public_replies(portal, requester, agent, make_ticket):
    ticket = make_ticket(requester, status=Status.in_progress, subject="Laptop will not boot",
                         description="Black screen after the logo.")
    ops.update_ticket(ticket, agent, eta_at=datetime(2031, 5, 6, 14, 30, tzinfo=UTC))
    ops.add_comment(ticket, agent, "Please bring it to room 4.", channel=Channel.portal)
    db.session.commit()

    html = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)

    assert "Laptop will not boot" in html and "Black screen after the logo." in html
    assert "Being worked on" in html and "Someone is working on your request." in html
    assert "Please bring it to room 4." in html and "Alice Agent" in html
    assert "Expected by" in html and "2031" in html
    assert "P3 medium" in html and "Opened" in html


def test_internal_notes_events_and_attachments_never_reach_the_portal(portal, requester, agent, make_ticket):
    ticket = make_ticket(requester, status=Status.in_progress)
    note = ops.add_comment(ticket, agent, "Password is xyzzy-supersecret-42", internal=True)
    ops.add_attachment(ticket, agent, "internal-diagnosis.txt", io.BytesIO(b"root cause"), comment=note)
    public = ops.add_comment(ticket, agent, "We are on it.")
    ops.add_attachment(ticket, agent, "public-guide.txt", io.BytesIO(b"steps"), comment=public)
    db.session.commit()

    html = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)

    assert "We are on it." in html and "public-guide.txt" in html
    assert "xyzzy-supersecret-42" not in html and "internal-diagnosis" not in html


def test_staff_using_the_portal_for_their_own_request_see_no_internal_notes(client, login, make_user, agent, team):
    colleague = make_user(Role.agent, teams=[team])
    ticket = ops.create_ticket(colleague, subject="My monitor flickers")
    ops.add_comment(ticket, agent, "internal-only-banana-word", internal=True)
    db.session.commit()
    login(client, colleague)

    html = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)

    assert "My monitor flickers" in html and "internal-only-banana-word" not in html


def test_another_requesters_ticket_does_not_exist(portal, make_user, make_ticket):
    other = make_user(Role.requester)
    ticket = make_ticket(other, status=Status.resolved, subject="Not yours")
    assert portal.get(f"/portal/tickets/{ticket.id}").status_code == 404
    assert portal.post(f"/portal/tickets/{ticket.id}/reply", data={"body": "hi"}).status_code == 404
    assert portal.post(f"/portal/tickets/{ticket.id}/steps/in_progress", data={"in_progress-reason": "x"}
                       ).status_code == 404
    assert portal.post(f"/portal/tickets/{ticket.id}/rating", data={"score": "1"}).status_code == 404
    assert _reload(ticket).status is Status.resolved and _reload(ticket).csat_score is None
    assert portal.get("/portal/tickets/999999").status_code == 404


def test_staff_get_404_for_someone_elses_ticket_in_the_portal(client, login, requester, agent, make_ticket):
    ticket = make_ticket(requester)
    login(client, agent)  # the agent may work on it in the workspace, but it is not their request
    assert client.get(f"/portal/tickets/{ticket.id}").status_code == 404


def test_a_watcher_can_read_and_reply_but_takes_no_steps(client, login, requester, make_user, agent, make_ticket):
    watcher = make_user(Role.requester)
    ticket = make_ticket(requester, status=Status.awaiting_validation)
    ops.add_watcher(ticket, watcher, agent)
    db.session.commit()
    login(client, watcher)

    html = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Printer jammed" in html and "Yes, it works now" not in html
    assert client.post(f"/portal/tickets/{ticket.id}/reply", data={"body": "Same here"}).status_code == 302
    assert client.post(f"/portal/tickets/{ticket.id}/steps/resolved").status_code == 409
    assert _reload(ticket).status is Status.awaiting_validation


def test_requester_replies(portal, requester, make_ticket):
    ticket = make_ticket(requester, status=Status.in_progress)
    response = portal.post(f"/portal/tickets/{ticket.id}/reply", data={"body": "It also smells of smoke."})
    assert response.status_code == 302
    [comment] = ops._comments(_reload(ticket))
    assert comment.author_id == requester.id and not comment.is_internal
    html = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Your reply was sent." in html and "It also smells of smoke." in html


def test_reply_with_attachment(portal, requester, make_ticket):
    ticket = make_ticket(requester, status=Status.in_progress)
    response = portal.post(f"/portal/tickets/{ticket.id}/reply", data={
        "body": "Screenshot attached", "attachment": (io.BytesIO(b"\x89PNG\r\n\x1a\n...."), "screen.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    html = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert re.search(rf'href="/tickets/{ticket.id}/attachments/\d+">screen.png</a>', html)


def test_empty_reply_is_refused_and_a_bad_file_keeps_the_text(portal, requester, make_ticket):
    ticket = make_ticket(requester, status=Status.in_progress)
    empty = portal.post(f"/portal/tickets/{ticket.id}/reply", data={"body": "  "})
    assert empty.status_code == 422 and "Please write a reply or attach a file." in empty.get_data(as_text=True)
    bad = portal.post(f"/portal/tickets/{ticket.id}/reply", data={
        "body": "My carefully typed reply", "attachment": (io.BytesIO(b"not a pdf"), "fake.pdf"),
    }, content_type="multipart/form-data")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "does not look like application/pdf" in html
    assert "My carefully typed reply</textarea>" in html
    assert ops._comments(_reload(ticket)) == []


def test_reply_while_awaiting_requester_resumes_work(portal, requester, make_ticket):
    ticket = make_ticket(requester, status=Status.awaiting_requester)
    html = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Waiting for your answer" in html and "goes straight back to the team" in html
    portal.post(f"/portal/tickets/{ticket.id}/reply", data={"body": "The serial is 12345."})
    assert _reload(ticket).status is Status.in_progress


def test_closed_ticket_takes_no_reply(portal, requester, make_ticket):
    ticket = make_ticket(requester, status=Status.closed)
    html = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Send reply" not in html and "takes no more replies" in html
    assert portal.post(f"/portal/tickets/{ticket.id}/reply", data={"body": "hello?"}).status_code == 409


def test_requester_confirms_the_fix(portal, requester, make_ticket):
    ticket = make_ticket(requester, status=Status.awaiting_validation)
    html = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Yes, it works now" in html and "No, it still does not work" in html
    response = portal.post(f"/portal/tickets/{ticket.id}/steps/resolved")
    assert response.status_code == 302 and _reload(ticket).status is Status.resolved


def test_not_fixed_needs_a_reason(portal, requester, make_ticket):
    ticket = make_ticket(requester, status=Status.awaiting_validation)
    refused = portal.post(f"/portal/tickets/{ticket.id}/steps/in_progress", data={"in_progress-reason": " "})
    assert refused.status_code == 422 and "Please tell us why." in refused.get_data(as_text=True)
    assert _reload(ticket).status is Status.awaiting_validation

    portal.post(f"/portal/tickets/{ticket.id}/steps/in_progress",
                data={"in_progress-reason": "Still prints blank pages"})
    assert _reload(ticket).status is Status.in_progress
    html = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Still prints blank pages" in html and "set the status to “Being worked on”" in html


def test_requester_reopens_a_resolved_ticket_with_a_reason(portal, requester, make_ticket):
    ticket = make_ticket(requester, status=Status.resolved)
    assert "Reopen the request" in portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert portal.post(f"/portal/tickets/{ticket.id}/steps/in_progress").status_code == 422
    portal.post(f"/portal/tickets/{ticket.id}/steps/in_progress", data={"in_progress-reason": "It is back"})
    ticket = _reload(ticket)
    assert ticket.status is Status.in_progress and ticket.reopen_count == 1


def test_requester_withdraws_a_new_ticket(portal, requester, make_ticket):
    ticket = make_ticket(requester)
    portal.post(f"/portal/tickets/{ticket.id}/steps/closed", data={"closed-reason": "Found it myself"})
    assert _reload(ticket).status is Status.closed


@pytest.mark.parametrize("target", ["resolved", "bogus"])
def test_a_step_not_on_offer_is_refused(portal, requester, make_ticket, target):
    ticket = make_ticket(requester, status=Status.in_progress)
    response = portal.post(f"/portal/tickets/{ticket.id}/steps/{target}")
    assert response.status_code == 409 and "not possible now" in response.get_data(as_text=True)
    assert _reload(ticket).status is Status.in_progress


def test_rating_is_refused_before_resolution(portal, requester, make_ticket):
    ticket = make_ticket(requester, status=Status.in_progress)
    assert "Rate the solution" not in portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    response = portal.post(f"/portal/tickets/{ticket.id}/rating", data={"score": "5"})
    assert response.status_code == 409 and _reload(ticket).csat_score is None


def test_requester_rates_a_resolved_ticket_once(portal, requester, make_ticket):
    ticket = make_ticket(requester, status=Status.resolved)
    html = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Rate the solution" in html
    assert len(re.findall(r'<input [^>]*name="score" [^>]*type="radio"', html)) == 5

    response = portal.post(f"/portal/tickets/{ticket.id}/rating", data={"score": "4", "comment": "Quick, thanks"})
    assert response.status_code == 302
    ticket = _reload(ticket)
    assert (ticket.csat_score, ticket.csat_comment) == (4, "Quick, thanks")
    html = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Your rating" in html and "4 of 5" in html and "Quick, thanks" in html and "Send rating" not in html


@pytest.mark.parametrize("score", ["", "0", "6", "five"])
def test_an_invalid_rating_is_refused_with_the_comment_kept(portal, requester, make_ticket, score):
    ticket = make_ticket(requester, status=Status.closed)
    response = portal.post(f"/portal/tickets/{ticket.id}/rating", data={"score": score, "comment": "typed note"})
    assert response.status_code == 422 and "typed note</textarea>" in response.get_data(as_text=True)
    assert _reload(ticket).csat_score is None


def test_html_and_script_in_user_text_are_rendered_escaped(portal, requester, agent):
    portal.post("/portal/new/incident", data={
        "subject": "<script>alert('s')</script>", "description": "<img src=x onerror=alert(1)>",
        "impact": "low", "urgency": "low",
    })
    [ticket_id] = re.findall(r"/portal/tickets/(\d+)", portal.get("/portal/").get_data(as_text=True))[:1]
    portal.post(f"/portal/tickets/{ticket_id}/reply", data={"body": "<b onclick=x()>bold</b>"})

    for page in (f"/portal/tickets/{ticket_id}", "/portal/"):
        html = portal.get(page).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b onclick" not in html
        assert "&lt;script&gt;alert(&#39;s&#39;)&lt;/script&gt;" in html
    html = portal.get(f"/portal/tickets/{ticket_id}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;b onclick=x()&gt;bold&lt;/b&gt;" in html


@pytest.mark.parametrize("ticket_id", ["99999999999999999999", "2147483648"])
def test_absurd_ticket_ids_are_404_not_500(portal, ticket_id):
    assert portal.get(f"/portal/tickets/{ticket_id}").status_code == 404
    assert portal.post(f"/portal/tickets/{ticket_id}/reply", data={"body": "x"}).status_code == 404


def test_forms_carry_a_working_csrf_token_when_protection_is_on(app, portal, requester, make_ticket, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    ticket = make_ticket(requester, status=Status.awaiting_validation)
    html = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    token = re.search(r'name="resolved-csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    assert portal.post(f"/portal/tickets/{ticket.id}/steps/resolved").status_code == 400  # no token
    assert _reload(ticket).status is Status.awaiting_validation
    response = portal.post(f"/portal/tickets/{ticket.id}/steps/resolved", data={"resolved-csrf_token": token})
    assert response.status_code == 302 and _reload(ticket).status is Status.resolved


def test_department_colleague_reads_and_replies_when_allowed(app, make_user, login):
    from app.core.settings import set_setting
    from app.extensions import db
    from app.tickets import operations as ops
    from app.users.models import Role

    owner = make_user(Role.requester, department="Finance")
    colleague = make_user(Role.requester, department="Finance")
    ticket = ops.create_ticket(owner, subject="Shared printer broken")
    db.session.commit()
    client = login(app.test_client(), colleague)
    assert client.get(f"/portal/tickets/{ticket.id}").status_code == 404
    set_setting("tickets.requesters_see_department", True, None)
    db.session.commit()
    page = client.get(f"/portal/tickets/{ticket.id}")
    assert page.status_code == 200 and "Shared printer broken" in page.get_data(as_text=True)
    assert client.post(f"/portal/tickets/{ticket.id}/reply", data={"body": "Same here"}).status_code in (302, 303)
