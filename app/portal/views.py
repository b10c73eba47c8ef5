"""The requester portal: open a ticket, follow it, reply, confirm or reopen, rate."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates")


@bp.get("/")
def my_tickets():
    return "mine"


@bp.get("/new")
def new_ticket():
    return "new"
