"""EXPLAIN ANALYZE the SQL that app.tickets.queries.list_tickets really runs, for the benchmark's queue
and search scenarios, and time each call in-process (no HTTP, no templates).

Usable alone against a seeded database:  python bench/explain.py DATABASE_URL [--plans]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from bench.seed import ADMIN_EMAIL, AGENT_EMAIL


def scenarios(agent_id: int, team_id: int, ticket_number: int) -> dict[str, dict]:
    """name -> keyword arguments for TicketFilter plus sort and page depth (for the in-process check)."""
    return {
        "open, newest first": {},
        "open, deep page (20)": {"depth": 20},
        "my team, open": {"team_id": team_id},
        "mine, open": {"assignee_id": agent_id},
        "unassigned, open": {"assignee_id": 0},
        "open, by priority": {"sort": "priority"},
        "open, recently updated": {"sort": "-updated"},
        "all statuses": {"include_done": True},
        "search common word 'error'": {"query": "error", "include_done": True},
        "search 'printer' (medium)": {"query": "printer", "include_done": True},
        "search rare word 'ws00042'": {"query": "ws00042", "include_done": True},
        "search ticket number": {"query": f"#{ticket_number}", "include_done": True},
    }


def _capture(engine):
    captured: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    return captured, lambda: sa.event.remove(engine, "before_cursor_execute", before)


def run(database_url: str, show_plans: bool = False, repeat: int = 20, log=print) -> dict:
    from app import create_app
    from app.extensions import db
    from app.tickets.queries import TicketFilter, list_tickets
    from app.users.models import User

    data_dir = tempfile.TemporaryDirectory(prefix="sd-bench-explain-")
    app = create_app({"DATABASE_URL": database_url, "DATA_DIR": data_dir.name,
                      "SECRET_KEY": "bench-secret-key-0123456789", "LOG_LEVEL": "WARNING"})
    results: dict[str, dict] = {}
    with app.app_context():
        for who in (AGENT_EMAIL, ADMIN_EMAIL):
            user = db.session.scalar(sa.select(User).where(User.email == who))
            user_id = user.id
            team_id = min(user.team_ids) if user.team_ids else None
            number = db.session.scalar(sa.text("SELECT max(id) / 2 FROM ticket"))
            for name, spec in scenarios(user.id, team_id or 1, number).items():
                spec = dict(spec)
                sort, depth = spec.pop("sort", "-created"), spec.pop("depth", 0)
                f = TicketFilter(**spec)
                cursor = None
                for _ in range(depth):
                    cursor = list_tickets(user, f, sort=sort, cursor=cursor, with_count=False).next_cursor
                    if cursor is None:
                        break
                db.session.rollback()
                times = []
                for _ in range(repeat):
                    db.session.remove()
                    user = db.session.get(User, user_id)
                    user.team_ids  # noqa: B018 - load the teams outside the timing, as a request would
                    t0 = time.perf_counter()
                    page = list_tickets(user, f, sort=sort, cursor=cursor, with_count=depth == 0)
                    times.append((time.perf_counter() - t0) * 1000)
                captured, stop = _capture(db.engine)
                list_tickets(user, f, sort=sort, cursor=cursor, with_count=depth == 0)
                stop()
                db.session.rollback()
                key = f"{'agent' if who == AGENT_EMAIL else 'admin'}: {name}"
                plans = []
                for statement, params in captured:
                    conn = db.session.connection()
                    if statement.lstrip().startswith("EXPLAIN"):  # an estimate the app asks for: time it
                        started = time.perf_counter()
                        conn.exec_driver_sql(statement, params).all()
                        plans.append("(the planner's estimate: planned, nothing read; round trip timed)\n"
                                     f"Execution Time: {(time.perf_counter() - started) * 1000:.3f} ms")
                        continue
                    rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).all()
                    plans.append("\n".join(r[0] for r in rows))
                    db.session.rollback()
                sql_ms = [float(p.rsplit("Execution Time: ", 1)[1].split()[0]) for p in plans]
                results[key] = {
                    "p50_ms": round(statistics.median(times), 2),
                    "p95_ms": round(sorted(times)[max(0, int(len(times) * 0.95) - 1)], 2),
                    "statements": len(captured), "sql_execution_ms": sql_ms, "rows": len(page.items),
                    "count": page.count, "plans": plans,
                }
                log(f"  {key:55s} p50 {results[key]['p50_ms']:7.2f} ms  p95 {results[key]['p95_ms']:7.2f} ms"
                    f"  ({len(captured)} statements, SQL {' + '.join(f'{m:.2f}' for m in sql_ms)} ms,"
                    f" {len(page.items)} rows, count {page.count})")
                if show_plans:
                    for statement, plan in zip(captured, plans):
                        log("    " + statement[0].replace("\n", " ")[:400])
                        log("      " + plan.replace("\n", "\n      "))
        db.session.remove()
        db.engine.dispose()
    data_dir.cleanup()
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--plans", action="store_true", help="print every EXPLAIN ANALYZE plan")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    run(args.database_url, show_plans=args.plans, repeat=args.repeat)


if __name__ == "__main__":
    main()
