"""Machine-made reasons as codes with parameters, worded when shown in the reader's language

ticket_event gets reason_code + reason_params, ticket gets priority_reason_code + priority_reason_params.
Existing English sentences that the application wrote ("via portal", "impact high × urgency low → P3; raised
to P2: requester is a VIP", "default team of service 'ERP'", "requester replied", "resolved 7 days ago without
objection", "duplicate of #12", the ticket's "set by Ann: <words>") become codes, so old history reads in
German too; anything else (what people typed) stays as it is. The downgrade writes the English sentences back.

The patterns and words are copied here on purpose: a migration must not change when the application does.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 19:30:00
"""
from __future__ import annotations

import ast
import functools
import json
import re
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BATCH = 5000
CHANNELS = ("portal", "email", "phone", "walk_up", "chat", "api", "alert")
_QUOTED = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""  # a Python repr() of a string
_MATRIX = re.compile(r"impact (high|medium|low) × urgency (high|medium|low) → (P[1-4])")
_RAISED_SERVICE = re.compile(r"raised to (P[1-4]): service " + _QUOTED + r" is business-critical")
_RAISED_VIP = re.compile(r"raised to (P[1-4]): requester is a VIP")
_DEFAULT_TEAM = re.compile(r"default team of service " + _QUOTED)
_AUTO_CLOSED = re.compile(r"resolved (\d{1,6}) days ago without objection")
_DUPLICATE = re.compile(r"duplicate of (#\d+)")
_SET_BY = re.compile(r"set by (.*?): (.*)", re.DOTALL)

event = sa.table("ticket_event", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                 sa.column("field", sa.String), sa.column("reason", sa.Text),
                 sa.column("reason_code", sa.String), sa.column("reason_params", sa.JSON))
ticket = sa.table("ticket", sa.column("id", sa.Integer), sa.column("priority_reason", sa.String),
                  sa.column("priority_reason_code", sa.String), sa.column("priority_reason_params", sa.JSON))


def _unquote(text: str) -> str | None:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


@functools.lru_cache(maxsize=4096)  # a few distinct sentences repeat over millions of rows
def _priority_code(text: str):
    parts = text.split("; ")
    matrix = _MATRIX.fullmatch(parts[0])
    if not matrix:
        return None
    raised = []
    for part in parts[1:]:
        if m := _RAISED_SERVICE.fullmatch(part):
            service = _unquote(m.group(2))
            if service is None:
                return None
            raised.append({"cause": "business_critical_service", "priority": m.group(1), "service": service})
        elif m := _RAISED_VIP.fullmatch(part):
            raised.append({"cause": "vip_requester", "priority": m.group(1)})
        else:
            return None
    return "priority_matrix", {"impact": matrix.group(1), "urgency": matrix.group(2), "priority": matrix.group(3),
                               "raised": raised}


@functools.lru_cache(maxsize=4096)
def event_code(kind: str, field: str | None, reason: str):
    """(code, params) of an English sentence the application wrote on such an event, else None."""
    if kind == "created" and reason.startswith("via ") and reason[4:] in CHANNELS:
        return "created_via", {"channel": reason[4:]}
    if kind == "status_changed" and reason == "requester replied":
        return "requester_replied", {}
    if kind == "status_changed" and (m := _AUTO_CLOSED.fullmatch(reason)):
        return "auto_closed", {"days": int(m.group(1))}
    if kind in ("merged", "status_changed") and (m := _DUPLICATE.fullmatch(reason)):
        return "duplicate_of", {"ticket": m.group(1)}
    if field == "team" and (m := _DEFAULT_TEAM.fullmatch(reason)):
        service = _unquote(m.group(1))
        return None if service is None else ("default_team", {"service": service})
    return _priority_code(reason) if field == "priority" else None


def english(code: str, params: dict, typed: str | None = None) -> str | None:
    """The sentence the application wrote before codes (the downgrade's inverse of event_code)."""
    p = params or {}
    try:
        if code == "created_via":
            return f"via {p['channel']}"
        if code == "requester_replied":
            return "requester replied"
        if code == "auto_closed":
            return f"resolved {p['days']} days ago without objection"
        if code == "duplicate_of":
            return f"duplicate of {p['ticket']}"
        if code == "default_team":
            return f"default team of service {p['service']!r}"
        if code == "priority_set_by":
            return f"set by {p['actor'] or 'System'}: {typed or ''}"[:500]
        if code == "priority_matrix":
            parts = [f"impact {p['impact']} × urgency {p['urgency']} → {p['priority']}"]
            for step in p.get("raised") or ():
                if step["cause"] == "business_critical_service":
                    service = step.get("service", "")
                    parts.append(f"raised to {step['priority']}: service {service!r} is business-critical")
                else:
                    parts.append(f"raised to {step['priority']}: requester is a VIP")
            return "; ".join(parts)
    except (KeyError, TypeError):
        pass
    return None


def _batches(conn, select):
    """Rows of ``select`` (ordered by id, filtered by ``id > :after``) in batches, resuming after the last id."""
    after = 0
    while True:
        rows = conn.execute(select(after)).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _update(conn, table, changes: list[dict]) -> None:
    """Set the columns named in ``changes`` (one dict per row, with its ``row_id``): one UPDATE per distinct
    set of values (a batch holds only a few), for all of its rows at once."""
    rows_of = defaultdict(list)
    for change in changes:
        values = {k: v for k, v in change.items() if k != "row_id"}
        rows_of[json.dumps(values, sort_keys=True)].append(change["row_id"])
    for values, ids in rows_of.items():
        conn.execute(table.update().where(table.c.id.in_(ids)).values(json.loads(values)))


_LIKELY = sa.or_(event.c.reason.like("via %"), event.c.reason.like("impact %"),
                 event.c.reason.like("default team of service %"), event.c.reason == "requester replied",
                 event.c.reason.like("resolved % days ago without objection"), event.c.reason.like("duplicate of #%"))


def upgrade() -> None:
    op.add_column("ticket_event", sa.Column("reason_code", sa.String(length=40), nullable=True))
    op.add_column("ticket_event", sa.Column("reason_params", sa.JSON(), nullable=True))
    op.add_column("ticket", sa.Column("priority_reason_code", sa.String(length=40), nullable=True))
    op.add_column("ticket", sa.Column("priority_reason_params", sa.JSON(), nullable=True))
    conn = op.get_bind()
    for rows in _batches(conn, lambda after: sa.select(event.c.id, event.c.kind, event.c.field, event.c.reason).where(
            event.c.id > after, _LIKELY).order_by(event.c.id).limit(BATCH)):
        changes = []
        for row_id, kind, field, reason in rows:
            found = event_code(kind, field, reason)
            if found:
                changes.append({"row_id": row_id, "reason": None, "reason_code": found[0], "reason_params": found[1]})
        _update(conn, event, changes)
    for rows in _batches(conn, lambda after: sa.select(ticket.c.id, ticket.c.priority_reason).where(
            ticket.c.id > after, ticket.c.priority_reason != "").order_by(ticket.c.id).limit(BATCH)):
        changes = []
        for row_id, text in rows:
            found = _priority_code(text)
            if found is None and (m := _SET_BY.fullmatch(text)):
                found, text = ("priority_set_by", {"actor": m.group(1)}), m.group(2)
            elif found is not None:
                text = ""
            if found:
                changes.append({"row_id": row_id, "priority_reason": text, "priority_reason_code": found[0],
                                "priority_reason_params": found[1]})
        _update(conn, ticket, changes)


def downgrade() -> None:
    conn = op.get_bind()
    for rows in _batches(conn, lambda after: sa.select(
            event.c.id, event.c.reason, event.c.reason_code, event.c.reason_params).where(
            event.c.id > after, event.c.reason_code.is_not(None)).order_by(event.c.id).limit(BATCH)):
        changes = []
        for row_id, reason, code, params in rows:
            worded = english(code, params)
            text = f"{worded}: {reason}" if worded and reason else (worded or reason or code)
            changes.append({"row_id": row_id, "reason": text})
        _update(conn, event, changes)
    for rows in _batches(conn, lambda after: sa.select(
            ticket.c.id, ticket.c.priority_reason, ticket.c.priority_reason_code,
            ticket.c.priority_reason_params).where(ticket.c.id > after, ticket.c.priority_reason_code.is_not(None))
            .order_by(ticket.c.id).limit(BATCH)):
        changes = [{"row_id": row_id, "priority_reason": (english(code, params, typed) or typed or "")[:500]}
                   for row_id, typed, code, params in rows]
        _update(conn, ticket, changes)
    op.drop_column("ticket", "priority_reason_params")
    op.drop_column("ticket", "priority_reason_code")
    op.drop_column("ticket_event", "reason_params")
    op.drop_column("ticket_event", "reason_code")
