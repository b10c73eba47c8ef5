"""Full-text search over subject, description and comments.

PostgreSQL: table ``ticket_search`` with generated ``tsvector`` columns and GIN indexes.
SQLite: FTS5 virtual table ``ticket_fts`` (rowid = ticket id).
Two texts per ticket: what the requester may see, and internal notes, so a requester's search can
never match words that only occur in an internal note. Both are created by the migrations.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from ..extensions import db
from .models import Ticket

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_TERMS = 12


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def index_ticket(ticket: Ticket, comments) -> None:
    """(Re)build the whole search document of a ticket."""
    public = " ".join([ticket.subject, ticket.description] + [c.body for c in comments if not c.is_internal])
    internal = " ".join(c.body for c in comments if c.is_internal)
    if _is_postgres():
        db.session.execute(
            sa.text(
                "INSERT INTO ticket_search (ticket_id, public_text, internal_text) VALUES (:id, :p, :i) "
                "ON CONFLICT (ticket_id) DO UPDATE SET public_text = :p, internal_text = :i"
            ),
            {"id": ticket.id, "p": public, "i": internal},
        )
    else:
        db.session.execute(sa.text("DELETE FROM ticket_fts WHERE rowid = :id"), {"id": ticket.id})
        db.session.execute(
            sa.text("INSERT INTO ticket_fts (rowid, public_text, internal_text) VALUES (:id, :p, :i)"),
            {"id": ticket.id, "p": public, "i": internal},
        )


def append_comment(ticket_id: int, body: str, is_internal: bool) -> None:
    """Add one comment's words without rereading the ticket's whole history."""
    column = "internal_text" if is_internal else "public_text"
    if _is_postgres():
        db.session.execute(
            sa.text(f"UPDATE ticket_search SET {column} = {column} || ' ' || :b WHERE ticket_id = :id"),  # noqa: S608
            {"id": ticket_id, "b": body},
        )
        return
    row = db.session.execute(
        sa.text("SELECT public_text, internal_text FROM ticket_fts WHERE rowid = :id"), {"id": ticket_id}
    ).one()
    public, internal = (row[0] + " " + body, row[1]) if not is_internal else (row[0], row[1] + " " + body)
    db.session.execute(sa.text("DELETE FROM ticket_fts WHERE rowid = :id"), {"id": ticket_id})
    db.session.execute(
        sa.text("INSERT INTO ticket_fts (rowid, public_text, internal_text) VALUES (:id, :p, :i)"),
        {"id": ticket_id, "p": public, "i": internal},
    )


def terms(query: str) -> list[str]:
    return _WORD.findall(query or "")[:MAX_QUERY_TERMS]


#: a word matching fewer tickets than this is searched by id list (see match_clause)
SELECTIVE = 2000


def match_clause(query: str, include_internal: bool) -> sa.ColumnElement[bool]:
    """Tickets whose text contains every word of ``query`` (a ticket number matches that ticket too).

    PostgreSQL estimates every text match at thousands of rows, so for a rare word it would walk the
    whole queue index probing each ticket. We ask the GIN index first: if few tickets match, the
    list filters by their ids (a few ms at a million tickets); common words keep the plain subquery,
    which the ordered index walk answers quickly.
    """
    words = terms(query)
    if not words:
        return sa.true()
    if _is_postgres():
        vector = "all_tsv" if include_internal else "public_tsv"
        tsquery = " & ".join(w.replace("'", "") + ":*" for w in words)
        matching = sa.select(sa.column("ticket_id")).select_from(sa.table("ticket_search")).where(
            sa.text(f"{vector} @@ to_tsquery('simple', :tsq)").bindparams(tsq=tsquery)  # noqa: S608
        )
        ids = list(db.session.scalars(matching.limit(SELECTIVE + 1)))
        if len(ids) <= SELECTIVE:
            matching = None
    else:
        phrase = " AND ".join('"' + w.replace('"', "") + '"*' for w in words)
        fts = phrase if include_internal else f"public_text : ({phrase})"
        matching = sa.select(sa.column("rowid")).select_from(sa.table("ticket_fts")).where(
            sa.text("ticket_fts MATCH :fts").bindparams(fts=fts)
        )
        ids = []
    number = query.strip().lstrip("#")
    if number.isdigit() and 0 < int(number) < 2**31:
        # inside the id set, not OR-ed beside it: an OR would make the planner scan every ticket
        if matching is None:
            ids.append(int(number))
        else:
            matching = matching.union_all(sa.select(sa.literal(int(number))))
    if matching is None:
        return Ticket.id.in_(ids) if ids else sa.false()
    return Ticket.id.in_(matching)
