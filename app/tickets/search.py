"""Full-text search over subject, description and comments.

PostgreSQL: table ``ticket_search`` with generated ``tsvector`` columns and GIN indexes.
SQLite: FTS5 virtual table ``ticket_fts`` (rowid = ticket id).
Two texts per ticket: what the requester may see, and internal notes, so a requester's search can
never match words that only occur in an internal note. Both are created by the migrations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from ..core.db import estimated_rows
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


#: a search matching fewer tickets than this is searched by id list (see `match`)
SELECTIVE = 2000
#: a search the planner expects to match more than this share of all tickets is not probed (see `match`)
BROAD_SHARE = 0.02


def _documents() -> float:
    """The number of search documents as the planner's statistics know it (0 before the first ANALYZE)."""
    return max(db.session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE oid = 'ticket_search'::regclass")), 0)


@dataclass(frozen=True)
class TextMatch:
    clause: sa.ColumnElement[bool]
    #: the words match so many tickets that counting the visible ones exactly would read most of them
    #: (PostgreSQL only): the queue shows the planner's estimate instead
    broad: bool = False


def match(query: str, include_internal: bool) -> TextMatch:
    """Tickets whose text contains every word of ``query`` (a ticket number matches that ticket too).

    PostgreSQL: for a rare word the GIN index gives the ids and the list filters by them (a few ms at a
    million tickets; the planner would otherwise walk the whole queue index checking each ticket).
    Frequent words keep a subquery, which the ordered index walk of the queue answers quickly, and are
    `broad`. Which one a search is: its statistics know the frequent words, so a search the planner
    expects in more than BROAD_SHARE of the tickets is broad at once; below that its estimate is only a
    floor (any word it has no statistics for is guessed at 0.5 %), so the index is probed for up to
    SELECTIVE + 1 ids, which costs little when the word is really rare.
    """
    words = terms(query)
    if not words:
        return TextMatch(sa.true())
    broad, ids = False, None
    if _is_postgres():
        vector = "all_tsv" if include_internal else "public_tsv"
        tsquery = " & ".join(w.replace("'", "") + ":*" for w in words)
        matching = sa.select(sa.column("ticket_id")).select_from(sa.table("ticket_search")).where(
            sa.text(f"{vector} @@ to_tsquery('simple', :tsq)").bindparams(tsq=tsquery)  # noqa: S608
        )
        estimate = estimated_rows(db.session, matching)
        if estimate <= SELECTIVE or estimate <= BROAD_SHARE * _documents():
            ids = list(db.session.scalars(matching.limit(SELECTIVE + 1)))
        if ids is not None and len(ids) <= SELECTIVE:
            matching = None
        else:
            broad = True
    else:
        phrase = " AND ".join('"' + w.replace('"', "") + '"*' for w in words)
        fts = phrase if include_internal else f"public_text : ({phrase})"
        matching = sa.select(sa.column("rowid")).select_from(sa.table("ticket_fts")).where(
            sa.text("ticket_fts MATCH :fts").bindparams(fts=fts)
        )
    number = query.strip().lstrip("#")
    if number.isdigit() and 0 < int(number) < 2**31:
        # inside the id set, not OR-ed beside it: an OR would make the planner scan every ticket
        if matching is None:
            ids.append(int(number))
        else:
            matching = matching.union_all(sa.select(sa.literal(int(number))))
    if matching is None:
        return TextMatch(Ticket.id.in_(ids) if ids else sa.false())
    return TextMatch(Ticket.id.in_(matching), broad)
