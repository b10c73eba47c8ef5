"""Changes to identity configuration: group mappings and sign-in settings."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core import signals
from ..core.actors import actor_id
from ..core.errors import Conflict, ValidationFailed
from ..core.settings import get_setting, set_setting
from ..extensions import db
from ..users.models import AuthSource, Role, Team
from .models import GroupMapping


def add_group_mapping(source: AuthSource, group: str, role: Role | None, team: Team | None, actor) -> GroupMapping:
    group = (group or "").strip()
    if not group:
        raise ValidationFailed(_("Name the group."), {"field": "group"})
    if role is None and team is None:
        raise ValidationFailed(_("A mapping must give a role, a team, or both."), {"field": "role"})
    exists = db.session.scalar(sa.select(GroupMapping).where(
        GroupMapping.source == source, sa.func.lower(GroupMapping.group) == group.lower(),
        GroupMapping.role.is_(None) if role is None else GroupMapping.role == role,
        GroupMapping.team_id.is_(None) if team is None else GroupMapping.team_id == team.id))
    if exists is not None:
        raise Conflict(_("This mapping exists already."))
    mapping = GroupMapping(source=source, group=group, role=role, team=team)
    db.session.add(mapping)
    db.session.flush()
    signals.configuration_changed.send(mapping, actor=actor, what="group_mapping.added",
                                       details={"source": source.value, "group": group,
                                                "role": role.value if role else None,
                                                "team": team.name if team else None})
    return mapping


def remove_group_mapping(mapping: GroupMapping, actor) -> None:
    details = {"source": mapping.source.value, "group": mapping.group,
               "role": mapping.role.value if mapping.role else None,
               "team": mapping.team.name if mapping.team else None}
    db.session.delete(mapping)
    db.session.flush()
    signals.configuration_changed.send(mapping, actor=actor, what="group_mapping.removed", details=details)


def update_settings(values: dict, actor) -> dict:
    """Store changed settings; returns {key: (old, new)}."""
    changes = {}
    for key, new in values.items():
        old = get_setting(key)
        if old != new:
            set_setting(key, new, actor_id(actor))
            changes[key] = (old, new)
    if changes:
        signals.configuration_changed.send(None, actor=actor, what="settings.changed",
                                           details={k: list(v) for k, v in changes.items()})
    return changes
