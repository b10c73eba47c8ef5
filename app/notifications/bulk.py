"""Many rows in one statement, for the outbox and the SLA ledger (thousands per job run).

PostgreSQL: ``INSERT ... SELECT ... FROM json_to_recordset(:rows)`` (and ``UPDATE ... FROM`` the same):
the rows travel as one JSON document, serialised in C, in one statement and one round trip whatever
their number, with the same SQL text every time. Measured with bench/sla.py against the alternatives:
one execution per row (a round trip each, even pipelined), a multi-row VALUES list (SQLAlchemy compiles
and psycopg converts a new statement per batch) and one array per column (psycopg dumps arrays element
by element in Python) were each slower. SQLite: executemany, in-process and fast anyway.

Generic; it could move to app/core/db.py (the lead's) if other domains want it.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db

_PG = postgresql.dialect()


def _encode(value):
    """What json.dumps cannot serialise by itself."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in bulk")


def _record(table: sa.Table, names: list[str]) -> tuple[str, str]:
    """The JSON record's column list with types, and the quoted column names. The names are the table's
    own columns (`table.c[name]` raises for anything else), so they are safe to put into SQL."""
    columns = [table.c[name] for name in names]
    typed = ", ".join(f'"{c.name}" {c.type.compile(dialect=_PG)}' for c in columns)
    return typed, ", ".join(f'"{c.name}"' for c in columns)


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def insert_rows(table: sa.Table, rows: list[dict], *, unique: str | None = None) -> None:
    """Insert `rows` (dicts with the same keys) into `table`; with `unique` (a column with a unique
    index), rows whose value is already there are skipped (``ON CONFLICT (unique) DO NOTHING``).

    A Core statement: it does not autoflush the ORM session, so flush first if the rows refer to
    objects not yet written."""
    if not rows:
        return
    if not _is_postgresql():
        stmt = sqlite.insert(table)
        if unique:
            stmt = stmt.on_conflict_do_nothing(index_elements=[table.c[unique]])
        db.session.execute(stmt, rows)
        return
    typed, quoted = _record(table, list(rows[0]))
    conflict = f' ON CONFLICT ("{table.c[unique].name}") DO NOTHING' if unique else ""
    sql = (f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} '  # noqa: S608 - table's own names, see _record
           f"FROM json_to_recordset(CAST(:rows AS json)) AS r({typed}){conflict}")
    db.session.execute(sa.text(sql), {"rows": json.dumps(rows, separators=(",", ":"), default=_encode)})


def update_rows(table: sa.Table, rows: list[dict], *, key: str = "id", only_if: str = "") -> None:
    """Set the given columns of many rows, identified by `key`, in one statement. `only_if`: a fixed SQL
    condition on the table's columns (unqualified) that a row must still meet, so that a concurrent change
    is not overwritten. Rows are dicts with the same keys. A Core statement: ORM objects of these rows
    that the session holds are stale afterwards (expire them, or mark the values as committed)."""
    if not rows:
        return
    names = [name for name in rows[0] if name != key]
    if not _is_postgresql():
        stmt = sa.update(table).where(table.c[key] == sa.bindparam("b_" + key, type_=table.c[key].type))
        if only_if:
            stmt = stmt.where(sa.text(only_if))
        stmt = stmt.values({name: sa.bindparam("b_" + name, type_=table.c[name].type) for name in names})
        db.session.execute(stmt, [{"b_" + name: value for name, value in row.items()} for row in rows])
        return
    typed, _ = _record(table, [key, *names])
    assignments = ", ".join(f'"{table.c[name].name}" = r."{name}"' for name in names)
    condition = f" AND ({only_if})" if only_if else ""
    sql = (f'UPDATE "{table.name}" AS t SET {assignments} '  # noqa: S608 - table's own names, see _record
           f'FROM json_to_recordset(CAST(:rows AS json)) AS r({typed}) WHERE t."{key}" = r."{key}"{condition}')
    db.session.execute(sa.text(sql), {"rows": json.dumps(rows, separators=(",", ":"), default=_encode)})
