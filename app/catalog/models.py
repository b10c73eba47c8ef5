from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import CreatedAtMixin, IdMixin, enum_type
from ..extensions import db
from ..users.models import Team


class Criticality(enum.Enum):
    low = "low"
    medium = "medium"
    high = "high"
    #: business-critical: raises the priority of its tickets
    critical = "critical"


class Service(IdMixin, CreatedAtMixin, db.Model):
    __tablename__ = "service"
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    criticality: Mapped[Criticality] = mapped_column(enum_type(Criticality), default=Criticality.medium)
    #: team that receives this service's tickets unless a rule says otherwise
    default_team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id", ondelete="SET NULL"))
    #: accountable person, e.g. for escalations
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(default=True)

    default_team: Mapped[Team | None] = relationship()

    @property
    def is_business_critical(self) -> bool:
        return self.criticality is Criticality.critical


class Category(IdMixin, db.Model):
    __tablename__ = "category"
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
