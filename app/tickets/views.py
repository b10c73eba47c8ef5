"""The agent workspace: queues, the ticket page, the composer, bulk actions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tickets", __name__, url_prefix="/tickets", template_folder="templates")


@bp.get("/")
def queue():
    return "queue"


@bp.get("/new")
def new_ticket():
    return "new"
