"""What higher domains add to the workspace pages. The tickets domain must not import them (the layers in
ARCHITECTURE.md), so they register here when their blueprint is registered: the SLA domain adds a queue
sort ("time to breach"), a queue column (its badges), a panel on the ticket page and a navigation link
(app/sla/views.py). Kept per application in ``app.extensions``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app
from markupsafe import Markup


@dataclass(frozen=True)
class QueueSort:
    #: shown in the sort menu (a lazy string)
    label: object
    #: (user, TicketFilter, limit, cursor) -> queries.Page, keyset-paginated like the built-in sorts
    list_page: Callable


@dataclass(frozen=True)
class QueueColumn:
    #: the column heading (a lazy string)
    header: object
    #: the cells of one page of tickets at once (a bounded number of queries): ticket id -> HTML
    cells: Callable[[list], dict[int, Markup]]


@dataclass
class WorkspaceExtensions:
    sorts: dict[str, QueueSort] = field(default_factory=dict)
    columns: list[QueueColumn] = field(default_factory=list)
    #: (ticket) -> HTML of a section of the ticket page's side bar, or None
    ticket_panels: list[Callable] = field(default_factory=list)
    #: (label, endpoint) links of the workspace navigation
    links: list[tuple[object, str]] = field(default_factory=list)


def workspace_extensions(app: Flask | None = None) -> WorkspaceExtensions:
    return (app or current_app).extensions.setdefault("servicedesk.workspace", WorkspaceExtensions())
