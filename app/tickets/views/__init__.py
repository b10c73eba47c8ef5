"""The agent workspace: queues, bulk actions, the ticket page and its composer, "Log a call", downloads.

Staff only, except the attachment download, which requesters use for their own tickets too.
Auditors see everything and change nothing. Every view: parse, load, check, one operation, commit.
"""

from __future__ import annotations

from . import intake, queues, ticket  # noqa: F401 - importing them registers their routes
from .common import bp

__all__ = ["bp"]
