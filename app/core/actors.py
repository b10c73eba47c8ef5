"""Who did it. Operations take the actor explicitly: a User, or SYSTEM for jobs and automatic rules."""

from __future__ import annotations


class _System:
    """The service itself (scheduler jobs, intake rules). Has staff rights; has no row in the user table."""

    id = None
    name = "System"
    email = "system"
    is_staff = True
    is_authenticated = True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _System()


def actor_id(actor) -> int | None:
    return None if actor is SYSTEM or actor is None else actor.id
