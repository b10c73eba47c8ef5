"""SLA engine: calendars, policies and their versions, per-ticket clocks and the ledger

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:25:19
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sla_calendar',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('weekly_hours', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_calendar')),
    sa.UniqueConstraint('name', name=op.f('uq_sla_calendar_name'))
    )
    op.create_table('sla_policy',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policy')),
    sa.UniqueConstraint('name', name=op.f('uq_sla_policy_name'))
    )
    op.create_table('sla_calendar_holiday',
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['sla_calendar.id'], name=op.f('fk_sla_calendar_holiday_calendar_id_sla_calendar'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_calendar_holiday')),
    sa.UniqueConstraint('calendar_id', 'day', name='uq_sla_calendar_holiday_day')
    )
    op.create_table('sla_policy_version',
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('change_note', sa.String(length=500), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('acknowledge_minutes', sa.Integer(), nullable=True),
    sa.Column('first_response_minutes', sa.Integer(), nullable=True),
    sa.Column('next_response_minutes', sa.Integer(), nullable=True),
    sa.Column('resolution_minutes', sa.Integer(), nullable=True),
    sa.Column('warning_percent', sa.Integer(), nullable=False),
    sa.Column('warning_actions', sa.JSON(), nullable=False),
    sa.Column('breach_actions', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['sla_calendar.id'], name=op.f('fk_sla_policy_version_calendar_id_sla_calendar'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_sla_policy_version_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['policy_id'], ['sla_policy.id'], name=op.f('fk_sla_policy_version_policy_id_sla_policy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policy_version')),
    sa.UniqueConstraint('policy_id', 'number', name='uq_sla_policy_version_number')
    )
    op.create_table('sla_clock',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.Enum('acknowledge', 'first_response', 'next_response', 'resolution', name='slatarget', native_enum=False, length=32), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('policy_version_id', sa.Integer(), nullable=False),
    sa.Column('target_minutes', sa.Integer(), nullable=False),
    sa.Column('warning_percent', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('warn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('met_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('warned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('breached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_paused', sa.Boolean(), nullable=False),
    sa.Column('used_seconds', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['policy_version_id'], ['sla_policy_version.id'], name=op.f('fk_sla_clock_policy_version_id_sla_policy_version'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_sla_clock_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_clock')),
    sa.UniqueConstraint('ticket_id', 'target', 'cycle', name='uq_sla_clock_ticket_target_cycle')
    )
    with op.batch_alter_table('sla_clock', schema=None) as batch_op:
        batch_op.create_index('ix_sla_clock_due', ['due_at'], unique=False, postgresql_where=sa.text('met_at IS NULL AND breached_at IS NULL AND stopped_at IS NULL'), sqlite_where=sa.text('met_at IS NULL AND breached_at IS NULL AND stopped_at IS NULL'))
        batch_op.create_index('ix_sla_clock_policy_version_id', ['policy_version_id'], unique=False)
        batch_op.create_index('ix_sla_clock_warn', ['warn_at'], unique=False, postgresql_where=sa.text('met_at IS NULL AND warned_at IS NULL AND breached_at IS NULL AND stopped_at IS NULL'), sqlite_where=sa.text('met_at IS NULL AND warned_at IS NULL AND breached_at IS NULL AND stopped_at IS NULL'))

    op.create_table('sla_ticket',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('policy_version_id', sa.Integer(), nullable=True),
    sa.Column('match_reason', sa.String(length=500), nullable=False),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pause_reason', sa.String(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['policy_version_id'], ['sla_policy_version.id'], name=op.f('fk_sla_ticket_policy_version_id_sla_policy_version'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_sla_ticket_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_sla_ticket'))
    )
    with op.batch_alter_table('sla_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_sla_ticket_policy_version_id', ['policy_version_id'], unique=False)

    op.create_table('sla_event',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('clock_id', sa.Integer(), nullable=True),
    sa.Column('target', sa.Enum('acknowledge', 'first_response', 'next_response', 'resolution', name='slatarget', native_enum=False, length=32), nullable=True),
    sa.Column('kind', sa.Enum('started', 'paused', 'resumed', 'priority_changed', 'policy_changed', 'recomputed', 'met', 'warned', 'breached', 'stopped', name='slaeventkind', native_enum=False, length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_sla_event_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['clock_id'], ['sla_clock.id'], name=op.f('fk_sla_event_clock_id_sla_clock'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_sla_event_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_event'))
    )
    with op.batch_alter_table('sla_event', schema=None) as batch_op:
        batch_op.create_index('ix_sla_event_clock_id', ['clock_id'], unique=False)
        batch_op.create_index('ix_sla_event_kind_at', ['kind', 'at'], unique=False)
        batch_op.create_index('ix_sla_event_ticket_at', ['ticket_id', 'at', 'id'], unique=False)
        batch_op.create_index('uq_sla_event_clock_once', ['clock_id', 'kind'], unique=True, postgresql_where=sa.text("kind IN ('warned', 'breached')"), sqlite_where=sa.text("kind IN ('warned', 'breached')"))



def downgrade() -> None:
    with op.batch_alter_table('sla_event', schema=None) as batch_op:
        batch_op.drop_index('uq_sla_event_clock_once', postgresql_where=sa.text("kind IN ('warned', 'breached')"), sqlite_where=sa.text("kind IN ('warned', 'breached')"))
        batch_op.drop_index('ix_sla_event_ticket_at')
        batch_op.drop_index('ix_sla_event_kind_at')
        batch_op.drop_index('ix_sla_event_clock_id')

    op.drop_table('sla_event')
    with op.batch_alter_table('sla_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_ticket_policy_version_id')

    op.drop_table('sla_ticket')
    with op.batch_alter_table('sla_clock', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_clock_warn', postgresql_where=sa.text('met_at IS NULL AND warned_at IS NULL AND breached_at IS NULL AND stopped_at IS NULL'), sqlite_where=sa.text('met_at IS NULL AND warned_at IS NULL AND breached_at IS NULL AND stopped_at IS NULL'))
        batch_op.drop_index('ix_sla_clock_policy_version_id')
        batch_op.drop_index('ix_sla_clock_due', postgresql_where=sa.text('met_at IS NULL AND breached_at IS NULL AND stopped_at IS NULL'), sqlite_where=sa.text('met_at IS NULL AND breached_at IS NULL AND stopped_at IS NULL'))

    op.drop_table('sla_clock')
    op.drop_table('sla_policy_version')
    op.drop_table('sla_calendar_holiday')
    op.drop_table('sla_policy')
    op.drop_table('sla_calendar')
