from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .models import Category, Service


def active_services() -> list[Service]:
    return list(db.session.scalars(sa.select(Service).where(Service.is_active).order_by(Service.name)))


def active_categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).where(Category.is_active).order_by(Category.name)))
