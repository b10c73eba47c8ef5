"""Ids in request bodies -> rows. An id that names nothing is a 422 naming the field (a 404 is kept for
the resource in the URL)."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy.orm import joinedload

from ..catalog.models import Category, Service
from ..core.errors import NotFound, ValidationFailed
from ..extensions import db
from ..tickets.models import Ticket
from ..tickets.queries import ticket_for
from ..users.models import Team, User
from ..users.operations import get_user_by_email

_MODELS = {"service": Service, "category": Category, "team": Team, "assignee": User}
#: what the operations read next: a new ticket of a service goes to the service's default team
_LOADS = {"service": [joinedload(Service.default_team)]}


def _missing(field: str, ref) -> ValidationFailed:
    return ValidationFailed(
        gettext("%(field)s %(ref)s does not exist.", field=field.capitalize(), ref=ref),
        {"field": field, "value": ref},
    )


def resolve(field: str, ref):
    """The row of ``_MODELS[field]`` with id ``ref`` (None stays None)."""
    if ref is None:
        return None
    row = db.session.get(_MODELS[field], ref, options=_LOADS.get(field, ()))
    if row is None:
        raise _missing(field, ref)
    if field in ("service", "category") and not row.is_active:
        raise ValidationFailed(gettext("%(field)s %(ref)s is no longer in use.", field=field.capitalize(),
                                       ref=ref), {"field": field, "value": ref})
    return row


def resolve_person(field: str, ref) -> User | None:
    """A user by id or e-mail address."""
    if ref is None:
        return None
    user = db.session.get(User, ref) if isinstance(ref, int) else get_user_by_email(ref)
    if user is None:
        raise _missing(field, ref)
    return user


def resolve_ticket(field: str, user, ref) -> Ticket | None:
    """Another ticket the caller may see (one they may not see does not exist for them)."""
    if ref is None:
        return None
    try:
        return ticket_for(user, ref)
    except NotFound:
        raise _missing(field, ref) from None
