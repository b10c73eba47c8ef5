"""Choosing a policy and checking what admins enter: pure, plain values in and out.

Conditions (all that are given must hold; an empty list or a missing key matches anything):

* ``priorities``: ["P1", "P2"]            * ``types``: ["incident", "service_request"]
* ``service_ids``: [3, 7]                  * ``requester_vip``: true / false (absent: either)
* ``departments``: ["Finance"] (compared case-insensitively)

Policies are evaluated in order; the first whose conditions match wins. When none matches, the default
policy applies. Actions at warning and at breach:

* ``{"type": "notify", "recipients": ["assignee", "team_leads", "team"]}``: e-mail; "assignee" falls
  back to the team when nobody is assigned; "team" is the team's address, else its members
* ``{"type": "webhook", "url": "https://..."}``: a JSON document to a generic webhook
* ``{"type": "raise_priority"}``: one step up (P4 -> P3 ...), at most P1
* ``{"type": "reassign", "team_id": 3}``: to another team (the assignee is cleared)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

PRIORITIES = ("P1", "P2", "P3", "P4")
TICKET_TYPES = ("incident", "service_request", "problem", "question")
RECIPIENTS = ("assignee", "team_leads", "team")
ACTION_TYPES = ("notify", "webhook", "raise_priority", "reassign")
CONDITION_KEYS = ("priorities", "types", "service_ids", "requester_vip", "departments")

TYPE_LABELS = {"incident": "incident", "service_request": "service request", "problem": "problem",
               "question": "question"}


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What conditions look at."""

    priority: str
    type: str
    service_id: int | None = None
    service_name: str | None = None
    requester_vip: bool = False
    department: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A policy as the matcher sees it (its current version's conditions)."""

    key: object  #: whatever identifies the policy for the caller (an id, a version object)
    name: str
    version: int
    conditions: dict = field(default_factory=dict)
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class Match:
    rule: Rule | None
    reason: str
    #: "rule" (conditions matched), "default" (nothing matched) or "none" (no policy at all)
    how: str


def _or(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def check(conditions: dict, facts: TicketFacts) -> tuple[bool, list[str]]:
    """Whether `facts` meet the conditions, and the reasons (one per condition that held)."""
    reasons = []
    priorities = conditions.get("priorities") or []
    if priorities:
        if facts.priority not in priorities:
            return False, []
        reasons.append(f"priority is {facts.priority}")
    types = conditions.get("types") or []
    if types:
        if facts.type not in types:
            return False, []
        reasons.append(f"type is {TYPE_LABELS.get(facts.type, facts.type)}")
    services = conditions.get("service_ids") or []
    if services:
        if facts.service_id not in services:
            return False, []
        reasons.append(f"service is {facts.service_name or f'#{facts.service_id}'}")
    vip = conditions.get("requester_vip")
    if vip is not None:
        if bool(facts.requester_vip) is not bool(vip):
            return False, []
        reasons.append("requester is a VIP" if vip else "requester is not a VIP")
    departments = [d.casefold() for d in conditions.get("departments") or []]
    if departments:
        if (facts.department or "").casefold() not in departments:
            return False, []
        reasons.append(f"requester's department is {facts.department}")
    return True, reasons


def match(rules: Sequence[Rule], facts: TicketFacts) -> Match:
    """The first rule (in the given order) whose conditions hold, else the default; with the reason."""
    for rule in rules:
        ok, reasons = check(rule.conditions, facts)
        if ok:
            why = " and ".join(reasons) if reasons else "it has no conditions and applies to every ticket"
            return Match(rule, f"policy {rule.name!r} (v{rule.version}): {why}", "rule")
    default = next((r for r in rules if r.is_default), None)
    if default is not None:
        return Match(default, f"no policy's conditions matched: default policy {default.name!r} "
                              f"(v{default.version})", "default")
    return Match(None, "no SLA policy applies (none is configured)", "none")


def describe(conditions: dict) -> str:
    """``priority P1 or P2 and type incident`` (for lists in the admin UI and the portal)."""
    parts = []
    if conditions.get("priorities"):
        parts.append("priority " + _or(conditions["priorities"]))
    if conditions.get("types"):
        parts.append("type " + _or([TYPE_LABELS.get(t, t) for t in conditions["types"]]))
    if conditions.get("service_ids"):
        parts.append("service " + _or([f"#{s}" for s in conditions["service_ids"]]))
    if conditions.get("requester_vip") is not None:
        parts.append("VIP requester" if conditions["requester_vip"] else "non-VIP requester")
    if conditions.get("departments"):
        parts.append("department " + _or(conditions["departments"]))
    return " and ".join(parts) or "every ticket"


def clean_conditions(raw: dict | None) -> dict:
    """Checked and normalised conditions; ValueError says what is wrong."""
    raw = dict(raw or {})
    unknown = set(raw) - set(CONDITION_KEYS)
    if unknown:
        raise ValueError(f"unknown condition(s): {', '.join(sorted(unknown))}")
    result: dict = {}

    def strings(key: str, allowed: Sequence[str] | None) -> None:
        values = raw.get(key) or []
        if isinstance(values, str) or not isinstance(values, (list, tuple, set)):
            raise ValueError(f"{key} must be a list")
        values = [str(v).strip() for v in values if str(v).strip()]
        if allowed is not None:
            wrong = [v for v in values if v not in allowed]
            if wrong:
                raise ValueError(f"{key}: {', '.join(wrong)} not one of {', '.join(allowed)}")
        if values:
            result[key] = sorted(set(values), key=values.index)

    strings("priorities", PRIORITIES)
    strings("types", TICKET_TYPES)
    strings("departments", None)
    services = raw.get("service_ids") or []
    if not isinstance(services, (list, tuple, set)) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in services):
        raise ValueError("service_ids must be a list of service ids")
    if services:
        result["service_ids"] = sorted(set(services))
    vip = raw.get("requester_vip")
    if vip is not None:
        if not isinstance(vip, bool):
            raise ValueError("requester_vip must be true, false or absent")
        result["requester_vip"] = vip
    return result


def clean_actions(raw: list | None) -> list[dict]:
    """Checked and normalised actions; ValueError says what is wrong."""
    result = []
    for item in raw or []:
        if not isinstance(item, dict) or item.get("type") not in ACTION_TYPES:
            raise ValueError(f"an action must be one of {', '.join(ACTION_TYPES)}, got {item!r}")
        kind = item["type"]
        if kind == "notify":
            recipients = item.get("recipients") or []
            if not recipients or not isinstance(recipients, (list, tuple)) or \
                    any(r not in RECIPIENTS for r in recipients):
                raise ValueError(f"notify needs recipients from {', '.join(RECIPIENTS)}")
            result.append({"type": kind, "recipients": sorted(set(recipients), key=RECIPIENTS.index)})
        elif kind == "webhook":
            url = str(item.get("url") or "").strip()
            if not url.startswith(("http://", "https://")) or len(url) > 1000:
                raise ValueError("a webhook needs an http:// or https:// URL")
            result.append({"type": kind, "url": url})
        elif kind == "raise_priority":
            result.append({"type": kind})
        else:
            team_id = item.get("team_id")
            if not isinstance(team_id, int) or isinstance(team_id, bool):
                raise ValueError("reassign needs a team_id")
            result.append({"type": kind, "team_id": team_id})
    return result


def raised(priority: str) -> str | None:
    """The next higher priority, or None at P1."""
    index = PRIORITIES.index(priority)
    return PRIORITIES[index - 1] if index else None
