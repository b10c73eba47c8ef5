"""Seed a benchmark database fast: set-based INSERT ... SELECT generate_series in PostgreSQL.

Realistic shape rather than uniform noise: 8 teams of very different size, a few hundred to tens of
thousands of requesters (some file far more tickets than others), agents per team, 20 services with
default teams, statuses that depend on age (old tickets are mostly closed, recent ones mostly open),
ids that grow with created_at, subjects and descriptions built from IT help-desk phrases (so
full-text search sees a realistic word distribution), asset tags as rare words, replies and
internal notes, history events, and the ticket_search rows the app would have written.

Secondary indexes are dropped during the load and rebuilt afterwards (same definitions, read from
pg_indexes), and foreign-key triggers are skipped (session_replication_role = replica): both only
change how long seeding takes, not the result. ANALYZE runs at the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

BENCH_PASSWORD = "bench password 0123"  # noqa: S105 - throwaway cluster
AGENT_EMAIL = "agent1@bench.example"
ADMIN_EMAIL = "admin@bench.example"

#: (name, tier, share of tickets)
TEAMS = [
    ("Service Desk (L1)", 1, 0.34), ("Workplace", 2, 0.16), ("Network", 2, 0.10),
    ("Identity & Access", 2, 0.12), ("Business Applications", 2, 0.12), ("Database", 3, 0.05),
    ("Security", 3, 0.04), ("Facilities", 1, 0.07),
]
#: (name, criticality, index into TEAMS of the default team)
SERVICES = [
    ("E-mail", "high", 0), ("VPN", "high", 2), ("Wi-Fi", "medium", 2), ("Printing", "low", 1),
    ("Laptops", "medium", 1), ("Phones", "low", 1), ("ERP", "critical", 4), ("CRM", "high", 4),
    ("Payroll", "critical", 4), ("Intranet", "low", 4), ("File shares", "medium", 1),
    ("Active Directory", "critical", 3), ("Single sign-on", "critical", 3), ("Databases", "high", 5),
    ("Firewall", "high", 6), ("Antivirus", "medium", 6), ("Meeting rooms", "low", 7),
    ("Badges", "medium", 7), ("Video conferencing", "medium", 0), ("Service desk portal", "medium", 0),
]
CATEGORIES = ["Hardware", "Software", "Access", "Network", "Account", "How-to", "Outage", "Performance",
              "Security", "Facilities", "Procurement", "Other"]
TAGS = ["vip", "onboarding", "offboarding", "outage", "hardware", "remote", "recurring", "vendor",
        "audit", "follow-up"]

THINGS = [
    "Printer", "Laptop", "Monitor", "Docking station", "Keyboard", "Mouse", "Headset", "Phone", "Outlook",
    "Teams", "Excel", "Word", "VPN client", "Wi-Fi", "Network drive", "SharePoint site", "ERP", "CRM",
    "Payroll report", "Intranet page", "Badge reader", "Meeting room display", "Projector", "Scanner",
    "Mailbox", "Calendar", "Password", "Account", "Shared mailbox", "Distribution list", "Database",
    "Backup job", "Firewall rule", "Certificate", "Browser", "Antivirus", "Software licence", "Tablet",
    "Mobile phone", "Webcam", "Single sign-on", "Invoice workflow", "Timesheet", "Expense report",
    "Remote desktop", "Citrix session", "File server", "Label printer", "Barcode scanner", "Access card",
]
SYMPTOMS = [
    "not working", "very slow", "shows an error", "keeps crashing", "does not start", "cannot connect",
    "access denied", "error after update", "stopped syncing", "missing data", "cannot log in",
    "needs replacement", "request for new", "locked out", "freezes regularly", "prints blank pages",
    "disconnects every few minutes", "not responding", "error code on startup", "cannot be found",
    "wrong permissions", "needs to be installed", "needs an upgrade", "out of disk space",
    "sends duplicate mails", "timeout error", "shows old data", "cannot open attachments",
    "how do I configure it", "expired", "reset needed", "blocked by policy", "no sound",
    "flickering screen", "battery drains fast",
]
PLACES = ["", "", "", " in building A", " in building B", " on floor 3", " in the Berlin office",
          " in the Munich office", " at home office", " in meeting room 2.14", " in the warehouse",
          " since this morning", " after the weekend", " for the whole team", " for a new hire"]
SENTENCES = [
    "Since this morning I get an error message when I try to open it.",
    "It worked fine yesterday, today nothing happens when I click on it.",
    "Could you please have a look as soon as possible, I have a deadline today.",
    "I already restarted the computer twice but the problem remains.",
    "Several colleagues in my department have the same problem.",
    "The error says the connection to the server was lost.",
    "Please install the software on my machine, my manager approved it.",
    "I need access for a new colleague who starts on Monday.",
    "The screen goes black after a few minutes and the fans get very loud.",
    "When I try to print, the job stays in the queue and nothing comes out.",
    "I forgot my password and the self-service reset does not send a code.",
    "The application is extremely slow, loading a customer record takes over a minute.",
    "After the last update the add-in is missing from the toolbar.",
    "I cannot connect to the VPN from home, it says authentication failed.",
    "The Wi-Fi keeps dropping in the meeting rooms on this floor.",
    "Please order a replacement, the device was damaged during travel.",
    "The shared drive shows access denied although I had access last week.",
    "My mailbox is full and I cannot send any mails anymore.",
    "The invoice workflow is stuck at the approval step.",
    "Could you explain how to set up the out-of-office reply?",
    "The report shows figures from last month instead of the current ones.",
    "The badge reader at the side entrance does not accept my card.",
    "The meeting room display shows the wrong bookings.",
    "Our team needs a new distribution list for the project.",
    "The certificate warning appears every time I open the intranet.",
    "Please remove the access of a colleague who left the company.",
    "The backup job failed last night with a timeout.",
    "I get a licence error when starting the program.",
    "The laptop battery lasts less than an hour now.",
    "Sound does not work in video calls, the headset is recognised though.",
    "The database query in the monthly report runs into an error.",
    "Error 0x80070005 appears when installing updates.",
    "The calendar invitations arrive twice for all participants.",
    "Customer data in the CRM is not synchronised with the ERP.",
    "The firewall blocks the supplier portal since Tuesday.",
    "Please set up a workstation for the new trainee.",
]
REPLIES = [
    "Thank you for your message, we are looking into it.",
    "Could you please send a screenshot of the error message?",
    "We restarted the service, please try again and let us know.",
    "The replacement device has been ordered and should arrive this week.",
    "Access has been granted, please log off and on again.",
    "A fix has been deployed, the problem should be solved now.",
    "We need the asset tag of the device, it is on a sticker on the bottom.",
    "Please try clearing the browser cache and reload the page.",
]
NOTES = [
    "Checked the logs, the error started after the patch on Tuesday.",
    "Escalated to the vendor, case number pending.",
    "Same root cause as the other tickets from this building, linked to the switch outage.",
    "User is a VIP, please handle with care.",
    "Waiting for approval from the cost centre owner.",
    "Known issue, workaround documented in the knowledge base.",
]
#: number of distinct asset tags (rare words: ws00001 .. ws<N>)
ASSET_TAGS = 50_000

OPEN_STATUSES = ["new", "triage", "in_progress", "awaiting_requester", "awaiting_third_party", "testing",
                 "awaiting_validation"]
#: cumulative shares within the open statuses
OPEN_CUM = [0.0, 0.15, 0.25, 0.62, 0.77, 0.84, 0.89]


@dataclass
class Seeded:
    tickets: int
    seconds: float
    counts: dict


def _cum(weights) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        out.append(round(total, 6))
        total += w
    return out


def _drop_secondary_indexes(conn, tables) -> list[str]:
    """Drop indexes that back no constraint; return their CREATE INDEX statements."""
    rows = conn.execute(sa.text("""
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(:tables)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
    """), {"tables": list(tables)}).all()
    for name, _ in rows:
        conn.execute(sa.text(f'DROP INDEX "{name}"'))
    return [d for _, d in rows]


def seed(database_url: str, n_tickets: int, days: int = 120, log=print) -> Seeded:
    """Fill an empty, migrated database with ``n_tickets`` tickets and everything around them."""
    from app.users.passwords import hash_password

    started = time.perf_counter()
    engine = sa.create_engine(database_url)
    n_agents_per_team = max(4, n_tickets // 40_000)
    n_requesters = max(200, n_tickets // 40)
    password_hash = hash_password(BENCH_PASSWORD)
    team_cum = _cum([t[2] for t in TEAMS])

    def step(label, conn, sql, **params):
        t0 = time.perf_counter()
        result = conn.execute(sa.text(sql), params)
        log(f"  {label}: {result.rowcount if result.rowcount >= 0 else ''} rows, {time.perf_counter() - t0:.1f} s")
        return result

    with engine.begin() as conn:
        conn.execute(sa.text("SET session_replication_role = replica"))  # no FK triggers during the load
        conn.execute(sa.text("SET maintenance_work_mem = '1GB'"))
        conn.execute(sa.text("SET work_mem = '256MB'"))
        conn.execute(sa.text("SELECT setseed(0.42)"))
        index_defs = _drop_secondary_indexes(
            conn, ["ticket", "comment", "ticket_event", "ticket_search", "ticket_tag"])

        # People. Agents first (contiguous ids), then admin, then requesters.
        n_agents = n_agents_per_team * len(TEAMS)
        step("teams", conn, """
            INSERT INTO team (name, tier, email, created_at)
            SELECT t.name, t.tier, lower(regexp_replace(t.name, '[^A-Za-z]+', '-', 'g')) || '@bench.example',
                   now() - interval '400 days'
            FROM unnest(CAST(:names AS text[]), CAST(:tiers AS int[])) WITH ORDINALITY AS t(name, tier, idx)
            ORDER BY t.idx""", names=[t[0] for t in TEAMS], tiers=[t[1] for t in TEAMS])
        step("agents", conn, """
            INSERT INTO "user" (email, name, role, password_hash, auth_source, is_active, is_vip,
                                session_version, created_at, timezone)
            SELECT 'agent' || g || '@bench.example', 'Agent ' || g,
                   CASE WHEN g % 10 = 1 AND g > 1 THEN 'lead' ELSE 'agent' END,
                   :ph, 'local', true, false, 1, now() - interval '400 days', 'Europe/Berlin'
            FROM generate_series(1, :n) g ORDER BY g""", ph=password_hash, n=n_agents)
        step("admin", conn, """
            INSERT INTO "user" (email, name, role, password_hash, auth_source, is_active, is_vip,
                                session_version, created_at)
            VALUES (:email, 'Bench Admin', 'admin', :ph, 'local', true, false, 1, now())""",
             email=ADMIN_EMAIL, ph=password_hash)
        step("requesters", conn, """
            INSERT INTO "user" (email, name, role, password_hash, auth_source, is_active, is_vip,
                                session_version, created_at, department, location)
            SELECT 'user' || g || '@bench.example', 'Requester ' || g, 'requester', :ph, 'local', true,
                   g % 97 = 0, 1, now() - interval '400 days',
                   (ARRAY['Sales','Finance','HR','Logistics','Production','Marketing','Legal','R&D'])[1 + g % 8],
                   (ARRAY['Berlin','Munich','Hamburg','Vienna','Zurich'])[1 + g % 5]
            FROM generate_series(1, :n) g ORDER BY g""", ph=password_hash, n=n_requesters)
        ids = conn.execute(sa.text("""
            SELECT (SELECT min(id) FROM "user" WHERE email LIKE 'agent%'),
                   (SELECT min(id) FROM "user" WHERE role = 'requester'),
                   (SELECT min(id) FROM team)""")).one()
        agent0, requester0, team0 = ids
        # Agent k (0-based) is in team k % 8; the bench agent (agent1) is in the biggest team.
        step("team members", conn, """
            INSERT INTO team_member (team_id, user_id)
            SELECT :team0 + (u.id - :agent0) % :nteams, u.id FROM "user" u
            WHERE u.id BETWEEN :agent0 AND :agent0 + :nagents - 1""",
             team0=team0, agent0=agent0, nteams=len(TEAMS), nagents=n_agents)
        step("services", conn, """
            INSERT INTO service (name, description, criticality, default_team_id, is_active, created_at)
            SELECT s.name, 'The ' || s.name || ' service.', s.crit, :team0 + s.team, true, now()
            FROM unnest(CAST(:names AS text[]), CAST(:crits AS text[]), CAST(:teams AS int[])) AS s(name, crit, team)
            """, names=[s[0] for s in SERVICES], crits=[s[1] for s in SERVICES],
             teams=[s[2] for s in SERVICES], team0=team0)
        step("categories", conn, "INSERT INTO category (name, is_active) SELECT unnest(CAST(:n AS text[])), true",
             n=CATEGORIES)
        step("tags", conn, "INSERT INTO tag (name) SELECT unnest(CAST(:n AS text[]))", n=TAGS)
        service0 = conn.scalar(sa.text("SELECT min(id) FROM service"))
        category0 = conn.scalar(sa.text("SELECT min(id) FROM category"))
        service_crit = [s[1] for s in SERVICES]
        service_team = [s[2] for s in SERVICES]

        # Tickets: one pass of random draws (materialised, so each draw is used consistently), ids in
        # created_at order, statuses by age.
        step("tickets", conn, """
            WITH d AS MATERIALIZED (
                SELECT g,
                       now() - make_interval(secs => (1 - g::float8 / :n) * :days * 86400 + random() * 60) AS created,
                       (1 - g::float8 / :n) * :days AS age_days,
                       random() AS r_done, random() AS r_status, random() AS r_team, random() AS r_assign,
                       random() AS r_agent, random() AS r_req, random() AS r_type, random() AS r_chan,
                       random() AS r_imp, random() AS r_urg, random() AS r_svc, random() AS r_cat,
                       random() AS r_thing, random() AS r_sym, random() AS r_place, random() AS r_s1,
                       random() AS r_s2, random() AS r_s3, random() AS r_tag, random() AS r_upd
                FROM generate_series(1, :n) g
            ), s AS (
                SELECT d.*,
                    CASE WHEN d.r_svc < 0.8 THEN 1 + floor(d.r_svc / 0.8 * :nsvc)::int END AS svc,
                    CASE WHEN d.r_done < CASE WHEN d.age_days < 2 THEN 0.15 WHEN d.age_days < 7 THEN 0.5
                                             WHEN d.age_days < 30 THEN 0.85 ELSE 0.97 END
                         THEN CASE WHEN d.r_status < 0.05 THEN 'rejected'
                                   WHEN d.age_days < 7 AND d.r_status < 0.8 THEN 'resolved'
                                   WHEN d.r_status < 0.12 THEN 'resolved' ELSE 'closed' END
                         ELSE (CAST(:open_statuses AS text[]))[width_bucket(d.r_status, CAST(:open_cum AS float8[]))]
                    END AS status,
                    (ARRAY['high','medium','low'])[width_bucket(d.r_imp, ARRAY[0, 0.12, 0.55])] AS impact,
                    (ARRAY['high','medium','low'])[width_bucket(d.r_urg, ARRAY[0, 0.2, 0.7])] AS urgency
                FROM d
            ), t AS (
                SELECT s.*,
                    CASE WHEN s.r_team < 0.04 THEN NULL
                         WHEN s.svc IS NOT NULL AND s.r_team < 0.7 THEN (CAST(:svc_team AS int[]))[s.svc]
                         ELSE width_bucket(s.r_team, CAST(:team_cum AS float8[])) - 1 END AS team_idx,
                    coalesce((CAST(:svc_crit AS text[]))[s.svc] = 'critical', false) AS critical,
                    (CAST(:svc_names AS text[]))[s.svc] AS service_name,
                    floor(s.r_req * s.r_req * :nreq)::int AS req_idx,
                    ((ARRAY['P1','P2','P3','P2','P3','P4','P3','P4','P4'])[
                        (CASE s.impact WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END) * 3
                        + (CASE s.urgency WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END)]) AS matrix_priority
                FROM s
            ), r AS (  -- the app's priority rule (tickets/priority.py): a business-critical service raises
                       -- the matrix cell one step, a VIP requester (every 97th, as seeded) one more, not past P2
                SELECT t.*,
                    CASE WHEN t.critical AND t.matrix_priority <> 'P1'
                         THEN 'P' || (substr(t.matrix_priority, 2)::int - 1)
                         ELSE t.matrix_priority END AS crit_priority,
                    (t.req_idx + 1) % 97 = 0 AS vip
                FROM t
            ), p AS (
                SELECT r.*,
                    r.critical AND r.matrix_priority <> 'P1' AS raised_crit,
                    r.vip AND substr(r.crit_priority, 2)::int > 2 AS raised_vip,
                    CASE WHEN r.vip AND substr(r.crit_priority, 2)::int > 2
                         THEN 'P' || (substr(r.crit_priority, 2)::int - 1) ELSE r.crit_priority END AS priority
                FROM r
            ), t2 AS (  -- the reason as the app stores it: code priority_matrix with these parameters
                SELECT p.*, json_build_object('impact', p.impact, 'urgency', p.urgency, 'priority', p.matrix_priority,
                    'raised', CASE
                        WHEN p.raised_crit AND p.raised_vip THEN json_build_array(
                            json_build_object('cause', 'business_critical_service', 'priority', p.crit_priority,
                                              'service', p.service_name),
                            json_build_object('cause', 'vip_requester', 'priority', p.priority))
                        WHEN p.raised_crit THEN json_build_array(json_build_object(
                            'cause', 'business_critical_service', 'priority', p.crit_priority,
                            'service', p.service_name))
                        WHEN p.raised_vip THEN json_build_array(json_build_object(
                            'cause', 'vip_requester', 'priority', p.priority))
                        ELSE json_build_array() END) AS priority_params
                FROM p
            )
            INSERT INTO ticket (type, status, subject, description, channel, requester_id, created_by_id,
                team_id, assignee_id, service_id, category_id, impact, urgency, priority, priority_reason,
                priority_reason_code, priority_reason_params, has_workaround, eta_at, problem_id, merged_into_id,
                updated_at, status_changed_at,
                first_response_at, resolved_at, closed_at, reopen_count, csat_score, created_at)
            SELECT
                (ARRAY['incident','service_request','question','problem'])[
                    width_bucket(t.r_type, ARRAY[0, 0.55, 0.9, 0.97])],
                t.status,
                (CAST(:things AS text[]))[1 + floor(t.r_thing * :nthings)::int] || ' '
                    || (CAST(:symptoms AS text[]))[1 + floor(t.r_sym * :nsymptoms)::int]
                    || (CAST(:places AS text[]))[1 + floor(t.r_place * :nplaces)::int],
                (CAST(:sentences AS text[]))[1 + floor(t.r_s1 * :nsentences)::int] || ' '
                    || (CAST(:sentences AS text[]))[1 + floor(t.r_s2 * :nsentences)::int]
                    || CASE WHEN t.r_s3 < 0.5 THEN ' ' || (CAST(:sentences AS text[]))[
                            1 + floor(t.r_s3 * 2 * :nsentences)::int] ELSE '' END
                    || ' Asset tag: ws' || lpad((1 + (t.g::bigint * 7919) % :ntags)::text, 5, '0') || '.'
                    || E'\\n\\nKind regards',
                (ARRAY['portal','email','phone','walk_up','chat','api','alert'])[
                    width_bucket(t.r_chan, ARRAY[0, 0.45, 0.75, 0.87, 0.9, 0.95, 0.98])],
                :req0 + t.req_idx,
                CASE WHEN t.r_chan BETWEEN 0.75 AND 0.9 THEN :agent0 + floor(t.r_agent * :nagents)::int
                     ELSE :req0 + t.req_idx END,
                :team0 + t.team_idx,
                CASE WHEN t.team_idx IS NULL THEN NULL
                     WHEN t.r_assign < CASE t.status WHEN 'new' THEN 0.1 WHEN 'triage' THEN 0.3 ELSE 0.92 END
                     THEN :agent0 + t.team_idx + :nteams * floor(t.r_agent * :per_team)::int END,
                :svc0 + t.svc - 1,
                CASE WHEN t.r_cat < 0.7 THEN :cat0 + floor(t.r_cat / 0.7 * :ncat)::int END,
                t.impact, t.urgency, t.priority, '', 'priority_matrix', t.priority_params,
                t.r_upd < 0.1,
                CASE WHEN t.status IN ('in_progress', 'awaiting_third_party') AND t.r_upd < 0.3
                     THEN t.created + interval '3 days' END,
                NULL, NULL,
                t.created + make_interval(secs => t.r_upd * least(t.age_days, 10) * 86400),
                t.created + make_interval(secs => t.r_upd * least(t.age_days, 10) * 86400),
                CASE WHEN t.status NOT IN ('new', 'triage') THEN t.created + interval '40 minutes' END,
                CASE WHEN t.status IN ('resolved', 'closed')
                     THEN t.created + make_interval(secs => t.r_upd * least(t.age_days, 10) * 86400) END,
                CASE WHEN t.status IN ('closed', 'rejected')
                     THEN t.created + make_interval(secs => t.r_upd * least(t.age_days, 10) * 86400) END,
                CASE WHEN t.r_upd > 0.97 THEN 1 ELSE 0 END,
                CASE WHEN t.status = 'closed' AND t.r_tag < 0.2 THEN 1 + floor(t.r_tag * 25)::int END,
                t.created
            FROM t2 t ORDER BY t.g""",
             n=n_tickets, days=days, nsvc=len(SERVICES), open_statuses=OPEN_STATUSES, open_cum=OPEN_CUM,
             svc_team=service_team, team_cum=team_cum, svc_crit=service_crit, svc_names=[s[0] for s in SERVICES],
             things=THINGS, nthings=len(THINGS), symptoms=SYMPTOMS, nsymptoms=len(SYMPTOMS),
             places=PLACES, nplaces=len(PLACES), sentences=SENTENCES, nsentences=len(SENTENCES),
             ntags=ASSET_TAGS, req0=requester0, nreq=n_requesters, agent0=agent0, nagents=n_agents,
             team0=team0, nteams=len(TEAMS), per_team=n_agents_per_team, svc0=service0, cat0=category0,
             ncat=len(CATEGORIES))

        step("ticket tags", conn, """
            INSERT INTO ticket_tag (ticket_id, tag_id)
            SELECT t.id, (SELECT min(id) FROM tag) + t.id % :ntags FROM ticket t WHERE t.id % 5 = 0""",
             ntags=len(TAGS))
        # Replies and notes: 0, 1 or 2 per ticket (tickets still 'new' have none).
        step("comments", conn, """
            INSERT INTO comment (ticket_id, author_id, body, is_internal, channel, created_at)
            SELECT t.id, coalesce(t.assignee_id, :agent0),
                   CASE WHEN k = 1 THEN (CAST(:replies AS text[]))[1 + t.id % :nreplies]
                        ELSE (CAST(:notes AS text[]))[1 + t.id % :nnotes] END,
                   k = 2, 'portal', t.created_at + make_interval(hours => k)
            FROM ticket t CROSS JOIN LATERAL generate_series(1, CASE t.id % 4 WHEN 0 THEN 0 WHEN 2 THEN 2
                                                                    ELSE 1 END) k
            WHERE t.status <> 'new'""",
             agent0=agent0, replies=REPLIES, nreplies=len(REPLIES), notes=NOTES, nnotes=len(NOTES))
        step("events", conn, """
            INSERT INTO ticket_event (ticket_id, actor_id, kind, field, old_value, new_value, reason,
                                      reason_code, reason_params, is_internal, created_at)
            SELECT t.id, t.created_by_id, 'created', NULL, NULL, 'new', NULL,
                   'created_via', json_build_object('channel', t.channel), false, t.created_at
            FROM ticket t
            UNION ALL
            SELECT t.id, NULL, 'field_changed', 'priority', NULL, t.priority, NULL,
                   t.priority_reason_code, t.priority_reason_params, false, t.created_at
            FROM ticket t
            UNION ALL
            SELECT t.id, t.assignee_id, 'status_changed', 'status', 'new', t.status, NULL, NULL, NULL, false,
                   t.status_changed_at
            FROM ticket t WHERE t.status <> 'new'""")
        step("search documents", conn, """
            INSERT INTO ticket_search (ticket_id, public_text, internal_text)
            SELECT t.id, concat_ws(' ', t.subject, t.description, c.public_text), coalesce(c.internal_text, '')
            FROM ticket t LEFT JOIN (
                SELECT ticket_id, string_agg(body, ' ' ORDER BY id) FILTER (WHERE NOT is_internal) AS public_text,
                       string_agg(body, ' ' ORDER BY id) FILTER (WHERE is_internal) AS internal_text
                FROM comment GROUP BY ticket_id
            ) c ON c.ticket_id = t.id""")
        t0 = time.perf_counter()
        for definition in index_defs:
            conn.execute(sa.text(definition))
        log(f"  {len(index_defs)} indexes rebuilt: {time.perf_counter() - t0:.1f} s")

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        t0 = time.perf_counter()
        conn.execute(sa.text("VACUUM ANALYZE"))
        log(f"  vacuum analyze: {time.perf_counter() - t0:.1f} s")
    engine.dispose()
    return Seeded(tickets=n_tickets, seconds=time.perf_counter() - started, counts=describe(database_url))


def describe(database_url: str) -> dict:
    """Row counts and size of a seeded database."""
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        counts = dict(conn.execute(sa.text("""
            SELECT 'tickets', count(*) FROM ticket UNION ALL
            SELECT 'open tickets', count(*) FROM ticket WHERE status = ANY(:open) UNION ALL
            SELECT 'comments', count(*) FROM comment UNION ALL
            SELECT 'events', count(*) FROM ticket_event UNION ALL
            SELECT 'users', count(*) FROM "user" UNION ALL
            SELECT 'database MB', pg_database_size(current_database()) / 1048576""",
        ), {"open": OPEN_STATUSES}).all())
    engine.dispose()
    return counts
