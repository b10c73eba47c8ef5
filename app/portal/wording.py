"""How the portal talks to requesters: plain-language names for ticket types, states and next steps.

The agent workspace uses the precise names in ``tickets.labels``; requesters get words about their
situation instead ("Waiting for your answer" rather than "Awaiting requester").
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..tickets.models import Level, Status, TicketType


@dataclass(frozen=True)
class TypeChoice:
    type: TicketType
    title: object
    hint: object
    subject_label: object
    description_label: object


#: the ticket types a requester can open, in the order offered (problems are for staff)
REQUESTER_TYPES = {
    TicketType.incident: TypeChoice(
        TicketType.incident, _l("Something is broken"),
        _l("Report a fault: something does not work as it should."),
        _l("What is broken?"),
        _l("What happened? What did you expect, and what do you see instead (error messages, since when)?"),
    ),
    TicketType.service_request: TypeChoice(
        TicketType.service_request, _l("I need something"),
        _l("Ask for access, equipment, software or a change."),
        _l("What do you need?"),
        _l("Describe what you need, for whom, and by when."),
    ),
    TicketType.question: TypeChoice(
        TicketType.question, _l("I have a question"),
        _l("Ask how to do something or where to find it."),
        _l("Your question in a few words"),
        _l("Tell us more, so we can answer it well."),
    ),
}

IMPACT_CHOICES = [
    (Level.low.value, _l("Just me")),
    (Level.medium.value, _l("My team")),
    (Level.high.value, _l("Many people")),
]

URGENCY_CHOICES = [
    (Level.low.value, _l("It can wait")),
    (Level.medium.value, _l("My work is hindered")),
    (Level.high.value, _l("My work has stopped")),
]

#: status -> (short name, one sentence on what it means for the requester)
PLAIN_STATUS = {
    Status.new: (_l("Received"), _l("We have your request and will look at it soon.")),
    Status.triage: (_l("Being reviewed"), _l("The service desk is reviewing your request.")),
    Status.in_progress: (_l("Being worked on"), _l("Someone is working on your request.")),
    Status.awaiting_requester: (
        _l("Waiting for your answer"), _l("We need something from you: please reply below."),
    ),
    Status.awaiting_third_party: (
        _l("Waiting for a supplier"), _l("We are waiting for another company or team to act."),
    ),
    Status.testing: (_l("Testing a fix"), _l("A change was made and is being tested.")),
    Status.awaiting_validation: (
        _l("Please check the fix"),
        _l("We believe this is fixed. Please check and tell us whether it works for you."),
    ),
    Status.resolved: (
        _l("Solved"), _l("This request is solved. If the problem comes back, you can reopen it."),
    ),
    Status.closed: (_l("Closed"), _l("This request is closed. If you need more help, open a new request.")),
    Status.rejected: (_l("Declined"), _l("We could not take this request on; the reason is shown below.")),
}


@dataclass(frozen=True)
class StepWording:
    button: object
    hint: object
    reason_label: object = None
    #: an outline button for steps that are not the usual way forward
    secondary: bool = False


#: (from, to) of a requester's lifecycle step -> how the portal offers it
STEP_WORDING = {
    (Status.awaiting_validation, Status.resolved): StepWording(
        _l("Yes, it works now"), _l("Confirm that the fix works for you."),
    ),
    (Status.awaiting_validation, Status.in_progress): StepWording(
        _l("No, it still does not work"), _l("Tell us what is still wrong and we will continue."),
        _l("What is still wrong?"), secondary=True,
    ),
    (Status.resolved, Status.in_progress): StepWording(
        _l("Reopen the request"), _l("The problem is back or was not solved."),
        _l("Why are you reopening it?"), secondary=True,
    ),
    (Status.resolved, Status.closed): StepWording(
        _l("Close the request"), _l("All done: nothing more is needed."), secondary=True,
    ),
    (Status.new, Status.closed): StepWording(
        _l("Withdraw the request"), _l("You no longer need help with this."),
        _l("Why do you withdraw it?"), secondary=True,
    ),
    (Status.triage, Status.closed): StepWording(
        _l("Withdraw the request"), _l("You no longer need help with this."),
        _l("Why do you withdraw it?"), secondary=True,
    ),
}

#: steps the portal does not offer as buttons: a reply already resumes work
HIDDEN_STEPS = {(Status.awaiting_requester, Status.in_progress)}

CSAT_CHOICES = [
    (1, _l("1 star: very dissatisfied")),
    (2, _l("2 stars: dissatisfied")),
    (3, _l("3 stars: neither satisfied nor dissatisfied")),
    (4, _l("4 stars: satisfied")),
    (5, _l("5 stars: very satisfied")),
]


def plain_status(status: Status | str) -> str:
    """The requester's word for a status (or a status value, as stored in the history)."""
    return str(PLAIN_STATUS[Status(status)][0])


def status_explanation(status: Status) -> str:
    return str(PLAIN_STATUS[status][1])
