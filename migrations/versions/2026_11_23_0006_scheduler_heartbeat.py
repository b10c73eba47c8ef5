"""scheduler heartbeat

The scheduler leader writes one row on every beat; /readyz and /metrics read its age to tell whether
some process runs the jobs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scheduler_heartbeat',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('leader_since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_heartbeat'))
    )


def downgrade() -> None:
    op.drop_table('scheduler_heartbeat')
