"""SLA: business calendars, policies, per-ticket clocks (a ledger), warnings, breaches.

Modules:

* `business_hours`, `holidays_import`: the pure calendar arithmetic and holiday import.
* `clock`: pure clock arithmetic: ledger marks -> runs and pauses -> due/warning instants, business time
  used and left, and the timeline that explains it.
* `policy`: pure policy matching (ordered conditions, first match wins, else the default) and checks of
  what admins enter.
* `models`: calendars, policies and their immutable versions, `sla_ticket` (the version a ticket runs
  under and why), `sla_clock` (one row per ticket and target; next response: one per requester reply) and
  `sla_event` (the ledger).
* `operations`: every state change (clocks, calendars, policies, defaults, preview of an edit).
* `handlers`: subscriptions to the ticket signals (`init_sla`); tickets never import this package.
* `actions`: what happens at warning and breach (outbox e-mail and webhooks, raise priority, reassign).
* `jobs`: `check_sla_deadlines` (every 30 s, app/schedule.py), `recompute_pending` (rebuilds queued by an
  admin's edit, in batches that resume after a restart) and `recompute_in_batches`.
* `queries`: read helpers for the ticket page, queues, dashboards, API and portal.

Definitions:

* Targets are business minutes on the policy's calendar. A **business day** is the working hours of one
  day of that calendar: 9 h on the shipped "Business hours" calendar (Mon-Fri 08:00-17:00), so "1
  business day" = 540 minutes, "3 business days" = 1620.
* **Acknowledge** is met by the first action of a person on the staff (status change, any field change
  such as an assignment, a reply or an internal note; an agent logging a ticket for a requester
  acknowledges it at once); **first response** by the first public staff reply; **next response**: each
  public reply of the requester (once the first response was given) starts a clock that the next public
  staff reply meets; **resolution** by resolving. Rejecting or closing ends unmet clocks ("stopped");
  resolving ends unmet response clocks. A reopen resumes the resolution clock (and clocks the
  resolution or rejection stopped) with the time already used.
* Awaiting requester / awaiting third party pause every live clock; leaving those states resumes them.
* A clock met or ended after its due time is recorded as breached at its due time, once.
"""
