"""Every SLA state change. Views, the API, the CLI, jobs and the ticket-signal handlers call these.

* `clocks`: per-ticket clocks and their ledger (start, meet, pause, resume, change of policy)
* `deadlines`: warning and breach of a due clock (for the job)
* `recompute`: the named rebuild after an admin edit
* `calendars`: business calendars and holidays
* `policies`: policies and their versions, the preview of an edit, the defaults that ship
"""

from .calendars import add_holidays, calendar_for, create_calendar, delete_calendar, update_calendar
from .clocks import (
    apply_comment,
    apply_status_change,
    apply_ticket_update,
    choose_policy,
    meet_target,
    pause_clocks,
    reevaluate_policy,
    resume_clocks,
    start_sla,
)
from .deadlines import breach_clock, warn_clock
from .policies import (
    BUSINESS_DAY_MINUTES,
    DueChange,
    create_policy,
    current_version,
    ensure_default_policies,
    preview_recompute,
    reorder_policies,
    update_policy,
)
from .recompute import recompute_batch, recompute_open_tickets, recompute_ticket

__all__ = [
    "BUSINESS_DAY_MINUTES", "DueChange", "add_holidays", "apply_comment", "apply_status_change",
    "apply_ticket_update", "breach_clock", "calendar_for", "choose_policy", "create_calendar", "create_policy",
    "current_version", "delete_calendar", "ensure_default_policies", "meet_target", "pause_clocks",
    "preview_recompute", "recompute_batch", "recompute_open_tickets", "recompute_ticket", "reevaluate_policy",
    "reorder_policies", "resume_clocks", "start_sla", "update_calendar", "update_policy", "warn_clock",
]
