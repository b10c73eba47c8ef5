"""Realistic demo data for `servicedesk demo`, made through the real operations.

Teams across three tiers, a service catalog, staff, requesters and a few hundred tickets spread over the
last 60 days. Every ticket is told as a story of operations (create, triage, escalate, reply, ask the
requester, wait for a vendor, resolve, rate, reopen, close...), each step run "as if" at a moment in
the past: its history events and comments are stamped with that moment as they are added, and the
ticket timestamps the operations set are moved back to it, so the history reads like the real thing
and no global clock is patched.

Deterministic for a seed and a clock: the same seed loaded at the same time gives the same data.
"""

from __future__ import annotations

import os
import random
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..catalog.models import Category, Criticality, Service
from ..core.actors import SYSTEM
from ..core.clock import utcnow
from ..core.errors import Conflict, ValidationFailed
from ..core.settings import set_setting
from ..extensions import db
from ..tickets import operations as ops
from ..tickets.models import Channel, Comment, Level, Priority, Status, Ticket, TicketEvent, TicketType
from ..tickets.reasons import Reason, ReasonCode
from ..users.models import Role, Team, User
from ..users.operations import create_user
from . import content as C

DAYS = 60
OFFICE = ZoneInfo("Europe/Berlin")
#: ticket columns that operations set to "now"
TIMES = ("created_at", "updated_at", "status_changed_at", "first_response_at", "resolved_at", "closed_at")
#: relative arrival rate by local hour on a working day
HOUR_RATE = [0.02] * 7 + [0.3, 0.8, 1.0, 1.0, 0.9, 0.6, 0.8, 0.9, 0.8, 0.6, 0.4, 0.2] + [0.05] * 5
#: minutes until someone picks a ticket up, by priority
PICKUP = {Priority.p1: (3, 15), Priority.p2: (10, 60), Priority.p3: (20, 240), Priority.p4: (30, 600)}
ETA_DAYS = {Priority.p1: 0.2, Priority.p2: 1, Priority.p3: 3, Priority.p4: 5}
AUTO_CLOSE_DAYS = 7


def load_demo(seed: int = 1, ticket_count: int = 300) -> tuple[str, str]:
    """Fill an empty database; returns the admin's e-mail address and password.

    The password is SERVICEDESK_DEMO_ADMIN_PASSWORD if set, otherwise random. Every demo account
    shares it, so one can sign in as any agent or requester too, and the two-factor requirement for
    admins is switched off (the business setting ``auth.require_2fa_roles``). Commits once at the end.
    """
    if ticket_count < 0:
        raise ValidationFailed("The number of demo tickets cannot be negative.")
    if db.session.scalar(sa.select(Ticket.id).limit(1)) is not None:
        raise Conflict("The database already has tickets; demo data is only loaded into an empty database.")
    password = os.environ.get("SERVICEDESK_DEMO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    loader = _Loader(seed, utcnow())
    session = db.session()
    sa.event.listen(session, "transient_to_pending", loader._stamp)
    try:
        admin = loader.people(password)
        loader.catalog()
        loader.tickets(ticket_count)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        sa.event.remove(session, "transient_to_pending", loader._stamp)
    return admin.email, password


class _Paused(Exception):
    """The story's next step would lie in the future: the ticket stays where it is now."""


@dataclass
class _Plot:
    """One ticket's story while it is being told."""

    index: int
    rng: random.Random
    kind: str  # "normal", "alert" or "problem"
    type: TicketType
    channel: Channel
    t: datetime
    story: C.Story | None = None
    problem: tuple | None = None
    requester: User | None = None
    lang: str = "en"
    ticket: Ticket | None = None
    #: how slowly this one moves (some tickets wait for weeks: the backlog)
    pace: float = 1.0

    @property
    def text(self) -> C.Text:
        return self.story.de if self.lang == "de" else self.story.en


def _ascii(name: str) -> str:
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        name = name.lower().replace(umlaut, plain)
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in name if c.isalnum() or c in " -").replace(" ", ".")


def _quota(total: int, weights: dict, rng: random.Random) -> list:
    """``total`` items shared out by weight (largest remainder), each at least once if there is room."""
    whole = sum(weights.values())
    counts = {k: max(1 if total >= len(weights) else 0, int(total * w / whole)) for k, w in weights.items()}
    by_remainder = sorted(weights, key=lambda k: (total * weights[k] / whole) % 1, reverse=True)
    i = 0
    while sum(counts.values()) < total:
        counts[by_remainder[i % len(weights)]] += 1
        i += 1
    while sum(counts.values()) > total:
        counts[max(counts, key=counts.get)] -= 1
    items = [k for k, n in counts.items() for _ in range(n)]
    rng.shuffle(items)
    return items


class _Loader:
    def __init__(self, seed: int, now: datetime):
        self.seed, self.now = seed, now
        self.start = now - timedelta(days=DAYS)
        self.cutoff = now - timedelta(minutes=2)
        self.rng = random.Random(seed)
        self.teams: dict[str, Team] = {}
        self.staff: dict[str, list[User]] = {}
        self.leads: dict[str, User] = {}
        self.services: dict[str, Service] = {}
        self.categories: dict[str, Category] = {}
        self.requesters: list[User] = []
        self.problems: dict[str, list[Ticket]] = {}
        self.recent: list[Ticket] = []
        self.when = now

    # --- people and catalog ----------------------------------------------------------------------

    def _user(self, name: str, role: Role, email: str | None = None, teams=(), **profile) -> User:
        email = email or f"{_ascii(name)}@{C.DOMAIN}"
        user = create_user(email, name, role, SYSTEM, teams=list(teams), **profile)
        user.password_hash = self.password_hash  # one argon2 hash for every demo account
        user.created_at = self.start - timedelta(days=self.rng.randint(30, 400))
        return user

    def people(self, password: str) -> User:
        admin = create_user(f"admin@{C.DOMAIN}", "Demo Administrator", Role.admin, SYSTEM, password=password,
                            language="en", timezone="Europe/Berlin", department="IT", location="Berlin HQ")
        admin.created_at = self.start - timedelta(days=400)
        self.password_hash = admin.password_hash
        # A demo is for trying out: sign in with the password alone (admins can require 2FA again).
        set_setting("auth.require_2fa_roles", [], None)
        self._user("Ines Auditor", Role.auditor, email=f"auditor@{C.DOMAIN}", department="Internal Audit",
                   location="Berlin HQ", language="de", timezone="Europe/Berlin")
        for name, tier, mailbox in C.TEAMS:
            team = Team(name=name, tier=tier, email=f"{mailbox}@{C.DOMAIN}", created_at=admin.created_at)
            db.session.add(team)
            self.teams[name], self.staff[name] = team, []
        db.session.flush()
        for i, (name, role, team, _owns) in enumerate(C.STAFF):
            user = self._user(name, Role(role), teams=[self.teams[team]], department="IT",
                              location="Berlin HQ" if i % 4 else "Munich", language="de" if i % 3 else "en",
                              timezone="Europe/Berlin", phone=f"+49 30 5550 {100 + i}")
            user.last_login_at = self.now - timedelta(hours=self.rng.uniform(1, 72))
            self.staff[team].append(user)
            if role == "lead":
                self.leads[team] = user
        self.monitoring = self._user("Monitoring (Alertmanager)", Role.requester, email=f"monitoring@{C.DOMAIN}",
                                     department="IT", language="en")
        self._requesters()
        return admin

    def _requesters(self) -> None:
        rng = self.rng
        for name, department, _title in C.VIPS:
            self.requesters.append(self._user(name, Role.requester, department=department, is_vip=True,
                                              location="Berlin HQ", language="de", timezone="Europe/Berlin",
                                              phone="+49 30 5550 001"))
        seen = {u.name for u in self.requesters}
        departments = [d for d, n in C.DEPARTMENTS.items() for _ in range(n)]
        while len(self.requesters) < 50:
            german = rng.random() < 0.55
            first = rng.choice(C.FIRST_NAMES_DE if german else C.FIRST_NAMES_EN)
            last = rng.choice(C.LAST_NAMES_DE if german else C.LAST_NAMES_EN)
            if f"{first} {last}" in seen:
                continue
            seen.add(f"{first} {last}")
            location, zone = rng.choice(C.LOCATIONS)
            language = "de" if german and (location != "Remote" or rng.random() < 0.5) else "en"
            self.requesters.append(self._user(
                f"{first} {last}", Role.requester, department=rng.choice(departments), location=location,
                timezone=zone, language=language, phone=f"+49 30 5550 {rng.randint(200, 999)}",
            ))
        # Some people open many tickets, most open a few.
        self.requester_weights = [rng.choice((1, 1, 1, 2, 2, 3, 5)) for _ in self.requesters]

    def catalog(self) -> None:
        owners = {owns: user for name, _r, team, owns in C.STAFF if owns
                  for user in self.staff[team] if user.name == name}
        for name, criticality, team, description in C.SERVICES:
            service = Service(name=name, criticality=Criticality(criticality), description=description,
                              default_team=self.teams[team], owner_id=owners[name].id,
                              created_at=self.start - timedelta(days=365))
            db.session.add(service)
            self.services[name] = service
        for name in C.CATEGORIES:
            self.categories[name] = Category(name=name)
            db.session.add(self.categories[name])
        db.session.flush()

    # --- time ------------------------------------------------------------------------------------

    def _working(self, t: datetime, rng: random.Random) -> datetime:
        """``t`` if it is office time (Mon-Fri 08-18 in Berlin), else early in the next working day."""
        local = t.astimezone(OFFICE)
        if local.weekday() < 5 and 8 <= local.hour < 18:
            return t
        day = local.date() + timedelta(days=0 if local.hour < 8 else 1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start = datetime.combine(day, time(8), OFFICE).astimezone(UTC)
        return start + timedelta(seconds=rng.uniform(0, 75 * 60))

    def _arrival(self, rng: random.Random, any_hour: bool) -> datetime:
        span = (self.cutoff - timedelta(minutes=30) - self.start).total_seconds()
        while True:
            t = self.start + timedelta(seconds=rng.random() * span)
            local = t.astimezone(OFFICE)
            rate = 1.0 if any_hour else (0.04 if local.weekday() >= 5 else HOUR_RATE[local.hour])
            if rng.random() < rate:
                return t

    def _later(self, p: _Plot, low: float, high: float, working: bool = True) -> None:
        """Move the story on by ``low``..``high`` minutes; stop it if that lies in the future."""
        t = p.t + timedelta(minutes=p.rng.uniform(low, high) * p.pace)
        t = self._working(t, p.rng) if working else t
        if t >= self.cutoff:
            raise _Paused
        p.t = t

    def _at(self, when: datetime, action, *tickets: Ticket):
        """Run ``action`` (operations) as if at ``when``; returns what it returns.

        New events and comments get ``when`` as they are added to the session (see ``_stamp``);
        the timestamps the operations set on the tickets are moved back here.
        """
        before = [(t, {f: getattr(t, f) for f in TIMES}) for t in tickets]
        self.when = when
        result = action()
        if isinstance(result, Ticket) and result not in tickets:
            before.append((result, dict.fromkeys(TIMES)))
        for ticket, old in before:
            for field, was in old.items():
                now = getattr(ticket, field)
                if now is not None and now != was:
                    setattr(ticket, field, max(was, when) if field == "updated_at" and was else when)
        return result  # flushed with the next operation's changes

    def _stamp(self, _session, obj) -> None:
        if isinstance(obj, (TicketEvent, Comment)):
            obj.created_at = self.when

    # --- tickets ---------------------------------------------------------------------------------

    def tickets(self, count: int) -> None:
        rng = self.rng
        problems = min(len(C.PROBLEMS), max(1, round(count * 0.02))) if count >= 8 else 0
        alerts = max(1, round(count * 0.04)) if count >= 8 else 0
        rest = count - problems - alerts
        types = _quota(rest, {"incident": 50, "service_request": 33, "question": 17}, rng)
        channels = _quota(rest, {"portal": 40, "email": 28, "phone": 14, "chat": 8, "walk_up": 6, "api": 4}, rng)
        problem_records = rng.sample(C.PROBLEMS, problems)
        plots = []
        for i in range(count):
            p_rng = random.Random(self.seed * 1_000_003 + i)
            if i < problems:
                plot = _Plot(i, p_rng, "problem", TicketType.problem, Channel.portal,
                             self._arrival(p_rng, False), problem=problem_records[i])
            elif i < problems + alerts:
                plot = _Plot(i, p_rng, "alert", TicketType.incident, Channel.alert, self._arrival(p_rng, True),
                             story=p_rng.choice(C.ALERTS), requester=self.monitoring)
            else:
                kind = TicketType(types[i - problems - alerts])
                plot = _Plot(i, p_rng, "normal", kind, Channel(channels[i - problems - alerts]),
                             self._arrival(p_rng, False),
                             story=p_rng.choice([s for s in C.STORIES if s.type == kind.value]))
                plot.requester = p_rng.choices(self.requesters, self.requester_weights)[0]
                plot.lang = "de" if plot.requester.language == "de" and plot.story.de else "en"
            plot.pace = p_rng.choice((1, 1, 1, 1, 2, 3, 5, 8, 12, 20))
            plots.append(plot)
        for plot in sorted(plots, key=lambda p: (p.t, p.index)):
            try:
                {"normal": self._normal, "alert": self._alert, "problem": self._problem}[plot.kind](plot)
            except _Paused:
                pass
            if plot.ticket is not None:
                self.recent.append(plot.ticket)

    def _levels(self, p: _Plot) -> tuple[Level, Level]:
        order = [Level.low, Level.medium, Level.high]
        impact, urgency = (order.index(Level(v)) for v in p.story.levels)
        if p.rng.random() < 0.3:
            impact = min(2, max(0, impact + p.rng.choice((-1, 1))))
        if p.rng.random() < 0.3:
            urgency = min(2, max(0, urgency + p.rng.choice((-1, 1))))
        return order[impact], order[urgency]

    def _is_person(self, p: _Plot) -> bool:
        return p.requester is not self.monitoring and not p.requester.is_staff

    def _create(self, p: _Plot, actor) -> Ticket:
        impact, urgency = self._levels(p)
        story = p.story
        p.ticket = self._at(p.t, lambda: ops.create_ticket(
            actor, subject=p.text.subject, description=p.text.description, type=p.type,
            requester=p.requester, channel=p.channel, impact=impact, urgency=urgency,
            service=self.services.get(story.service), category=self.categories[story.category],
            tags=story.tags,
        ))
        return p.ticket

    def _reply(self, p: _Plot, actor, body: str, *, internal=False, then: Status | None = None, reason=None,
               **changes) -> None:
        """One step: optional field changes, a reply or note, and an optional transition."""
        ticket = p.ticket

        def act():
            if changes:
                ops.update_ticket(ticket, actor, reason=reason if not then else None, **changes)
            if body:
                channel = p.channel if actor is p.requester and p.channel is Channel.email else Channel.portal
                ops.add_comment(ticket, actor, body, internal=internal, channel=channel)
            if then is not None and then is not ticket.status:
                ops.transition_ticket(ticket, then, actor, reason=reason)

        self._at(p.t, act, ticket)

    def _normal(self, p: _Plot) -> None:
        rng, lang, text, story = p.rng, p.lang, p.text, p.story
        l1_agents = self.staff[C.L1]
        intake = {Channel.portal: p.requester, Channel.api: p.requester, Channel.email: SYSTEM}
        actor = intake.get(p.channel) or rng.choice(l1_agents)
        ticket = self._create(p, actor)
        first = p.requester.name.split()[0]
        fix = text.fix or C.FIX_GENERIC[lang]

        # Phone, chat and walk-up: often solved while the person is still there.
        if actor in l1_agents and story.escalate_to is None and rng.random() < 0.45:
            self._later(p, 3 / p.pace, 20 / p.pace, working=False)
            self._reply(p, actor, fix, then=Status.resolved, team=self.teams[C.L1], assignee=actor)
            return self._after_resolution(p, actor)

        if self._is_person(p) and p.channel is Channel.portal and rng.random() < 0.02:
            self._later(p, 5, 60)
            return self._reply(p, p.requester, "", then=Status.closed, reason=C.WITHDRAW[lang])

        self._later(p, *PICKUP[ticket.priority])
        team = ticket.team or self.teams[C.L1]
        agent = rng.choice(self.staff[team.name])
        self._reply(p, agent, C.VIP_NOTE if p.requester.is_vip else "", internal=True, then=Status.triage,
                    team=team, assignee=agent)
        if rng.random() < 0.03:
            self._later(p, 5, 120)
            self._reply(p, agent, "", then=Status.rejected, reason=rng.choice(C.REJECT_REASONS))
            if rng.random() < 0.6:
                self._later(p, 60 * 4, 60 * 48)
                self._reply(p, agent, "", then=Status.closed)
            return None
        if self._merge_duplicate(p, agent):
            return None
        if p.type is TicketType.question:
            self._later(p, 10, 180)
            return self._resolve(p, agent, fix)
        self._extras(p, agent)

        # Escalation to a specialist team (and now and then from L2 on to L3).
        target = None
        if story.escalate_to and team.tier == 1 and rng.random() < 0.7:
            target = self.teams[story.escalate_to]
        elif team.tier == 2 and rng.random() < 0.08:
            target = self.teams[C.INFRASTRUCTURE]
        if target is not None:
            self._later(p, 10, 90)
            note = rng.choice(C.ESCALATION_NOTES).format(team=target.name)
            self._reply(p, agent, note, internal=True, team=target, assignee=None,
                        reason=f"needs {target.name}")
            self._later(p, 10, 240)
            agent = rng.choice(self.staff[target.name])
            self._reply(p, agent, "", assignee=agent)

        self._later(p, 5, 120)
        eta = {"eta_at": p.t + timedelta(days=ETA_DAYS[ticket.priority])} if rng.random() < 0.7 else {}
        self._reply(p, agent, rng.choice(C.ACK[lang]).format(first=first), then=Status.in_progress, **eta)
        if rng.random() < 0.6:
            self._later(p, 10, 240)
            self._reply(p, agent, story.note or rng.choice(C.WORK_NOTES), internal=True)

        if (text.ask or rng.random() < 0.3) and rng.random() < 0.55 and self._is_person(p):
            self._later(p, 10, 240)
            self._reply(p, agent, text.ask or rng.choice(C.ASK_GENERIC[lang]), then=Status.awaiting_requester)
            if rng.random() < 0.1:
                self._later(p, 60 * 24 * 5, 60 * 24 * 6)
                return self._reply(p, agent, "", then=Status.closed, reason=C.NO_ANSWER)
            self._later(p, 20, 60 * 24)
            self._reply(p, p.requester, text.answer or rng.choice(C.ANSWER_GENERIC[lang]))

        if (story.third_party and rng.random() < 0.7) or rng.random() < 0.05:
            who = story.third_party or "vendor"
            self._later(p, 30, 240)
            ref = f"{rng.choice('CSV')}-{rng.randint(10000, 99999)}"
            self._reply(p, agent, rng.choice(C.THIRD_PARTY_NOTES).format(who=who, ref=ref), internal=True,
                        then=Status.awaiting_third_party)
            self._later(p, 60 * 4, 60 * 24 * 4)
            self._reply(p, agent, C.THIRD_PARTY_BACK.format(who=who), internal=True, then=Status.in_progress)

        self._later(p, 30, 60 * 24 * 2)
        path = rng.random()
        if path < 0.12 and p.type is TicketType.incident:
            self._reply(p, agent, "Fix deployed to the test system; checking it before go-live.", internal=True,
                        then=Status.testing)
            self._later(p, 60, 60 * 24)
            path = 0.0 if rng.random() < 0.5 else 1.0
        if path < 0.4 and self._is_person(p):
            self._reply(p, agent, f"{fix}\n\n{C.VALIDATE[lang]}", then=Status.awaiting_validation)
            self._later(p, 30, 60 * 24 * 2)
            if rng.random() < 0.12:
                self._reply(p, p.requester, "", then=Status.in_progress, reason=C.NOT_FIXED[lang])
                self._later(p, 60, 60 * 24)
                return self._resolve(p, agent, C.FIX_GENERIC[lang])
            self._reply(p, p.requester, rng.choice(C.THANKS[lang]), then=Status.resolved)
            return self._after_resolution(p, agent)
        return self._resolve(p, agent, fix)

    def _extras(self, p: _Plot, agent: User) -> None:
        """Things that happen at triage now and then: problem links, watchers, priority overrides."""
        rng, ticket = p.rng, p.ticket
        problem = self._open_problem(p.story.service, p.t)
        if problem is not None and p.type is TicketType.incident and rng.random() < 0.7:
            self._at(p.t, lambda: ops.link_problem(ticket, problem, agent), ticket, problem)
            self._reply(p, agent, f"Known issue, linked to problem {problem.reference}.", internal=True)
        if rng.random() < 0.05 and self._is_person(p):
            colleagues = [u for u in self.requesters if u.department == p.requester.department
                          and u is not p.requester]
            if colleagues:
                watcher = rng.choice(colleagues)
                self._at(p.t, lambda: ops.add_watcher(ticket, watcher, agent), ticket)
        if rng.random() < 0.04 and ticket.priority is not Priority.p1:
            higher = Priority(f"P{ticket.priority.rank - 1}")
            self._reply(p, agent, "", priority=higher, reason="Blocks a whole team; raised after a call.")

    def _open_problem(self, service: str | None, t: datetime) -> Ticket | None:
        for problem in self.problems.get(service, ()):
            if problem.created_at <= t and (problem.resolved_at is None or problem.resolved_at > t):
                return problem
        return None

    def _merge_duplicate(self, p: _Plot, agent: User) -> bool:
        """Now and then a second report of the same outage: merged into the first one."""
        if p.story.service is None or p.rng.random() > 0.08:
            return False
        since = p.t - timedelta(days=7)
        for other in reversed(self.recent):
            if other.created_at < since:
                return False
            if (other.service is not None and other.service.name == p.story.service
                    and other.status is not Status.closed and other.merged_into_id is None
                    and other.type is TicketType.incident):
                merge = partial(ops.merge_tickets, p.ticket, other, agent,
                                reason=f"Same outage as {other.reference}")
                self._at(p.t, merge, p.ticket, other)
                return True
        return False

    def _resolve(self, p: _Plot, agent: User, fix: str) -> None:
        self._reply(p, agent, fix, then=Status.resolved)
        self._after_resolution(p, agent)

    def _after_resolution(self, p: _Plot, agent) -> None:
        rng, lang = p.rng, p.lang
        person = self._is_person(p)
        if person and rng.random() < 0.07:
            self._later(p, 60 * 2, 60 * 24 * 3)
            self._reply(p, p.requester, "", then=Status.in_progress, reason=rng.choice(C.REOPEN_REASONS[lang]))
            self._later(p, 30, 60 * 24)
            self._reply(p, agent, C.FIX_GENERIC[lang], then=Status.resolved)
        resolved_at = p.t
        if person and rng.random() < 0.45:
            self._later(p, 10, 60 * 24, working=False)
            score = rng.choices((5, 4, 3, 2, 1), (50, 28, 10, 7, 5))[0]
            comment = rng.choice(C.CSAT_COMMENTS[score])
            self._at(p.t, lambda: ops.rate_ticket(p.ticket, p.requester, score, comment), p.ticket)
        if person and rng.random() < 0.25:
            self._later(p, 60, 60 * 24 * 2, working=False)
            return self._reply(p, p.requester, "", then=Status.closed)
        # What the close_resolved_tickets job does.
        auto = resolved_at + timedelta(days=AUTO_CLOSE_DAYS, minutes=rng.uniform(1, 15))
        if max(auto, p.t) >= self.cutoff:
            return None
        p.t = max(auto, p.t)
        self._at(p.t, lambda: ops.transition_ticket(
            p.ticket, Status.closed, SYSTEM, why=Reason(ReasonCode.auto_closed, {"days": AUTO_CLOSE_DAYS}),
        ), p.ticket)
        return None

    def _alert(self, p: _Plot) -> None:
        rng = p.rng
        ticket = self._create(p, self.monitoring)
        self._later(p, 2, 15, working=False)
        agent = rng.choice(self.staff[ticket.team.name])
        self._reply(p, agent, "Acknowledged, looking into it.", internal=True, then=Status.in_progress,
                    assignee=agent)
        self._later(p, 10, 180, working=False)
        self._reply(p, agent, p.story.note, internal=True, then=Status.resolved)
        self._after_resolution(p, agent)

    def _problem(self, p: _Plot) -> None:
        rng = p.rng
        service_name, subject, description, fix, has_workaround = p.problem
        service = self.services[service_name]
        owner = self.leads[service.default_team.name]
        p.requester = owner
        p.ticket = self._at(p.t, lambda: ops.create_ticket(
            owner, subject=subject, description=description, type=TicketType.problem, requester=owner,
            channel=Channel.portal, impact=Level.high, urgency=Level.medium, service=service,
            category=self.categories["Software"], tags=("problem",), has_workaround=has_workaround,
            assignee=owner,
        ))
        self.problems.setdefault(service_name, []).append(p.ticket)
        since = p.t - timedelta(days=21)
        earlier = [t for t in self.recent if t.service_id == service.id and t.type is TicketType.incident
                   and t.problem_id is None and t.created_at >= since][-4:]
        for incident in earlier:
            self._at(p.t, lambda incident=incident: ops.link_problem(incident, p.ticket, owner),
                     incident, p.ticket)
        self._later(p, 30, 60 * 24)
        self._reply(p, owner, f"Root cause analysis started; {len(earlier)} incident(s) linked so far.",
                    internal=True, then=Status.in_progress)
        if rng.random() < 0.6:
            self._later(p, 60 * 24, 60 * 24 * 4)
            self._reply(p, owner, "Vendor case opened with logs from three affected users.", internal=True,
                        then=Status.awaiting_third_party)
            self._later(p, 60 * 24, 60 * 24 * 6)
            self._reply(p, owner, "Vendor confirmed the cause.", internal=True, then=Status.in_progress)
        self._later(p, 60 * 24 * 2, 60 * 24 * 12)
        self._reply(p, owner, fix, then=Status.resolved)
        self._later(p, 60 * 24, 60 * 24 * 3)
        self._reply(p, owner, "", then=Status.closed)
