"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 13:30:03.580120
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('category',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category')),
    sa.UniqueConstraint('name', name=op.f('uq_category_name'))
    )
    op.create_table('tag',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag')),
    sa.UniqueConstraint('name', name=op.f('uq_tag_name'))
    )
    op.create_table('team',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team')),
    sa.UniqueConstraint('name', name=op.f('uq_team_name'))
    )
    op.create_table('user',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('requester', 'agent', 'lead', 'admin', 'auditor', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('auth_source', sa.Enum('local', 'ldap', 'saml', name='authsource', native_enum=False, length=32), nullable=False),
    sa.Column('external_id', sa.String(length=512), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_vip', sa.Boolean(), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=64), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email')),
    sa.UniqueConstraint('external_id', name=op.f('uq_user_external_id'))
    )
    op.create_table('api_token',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_api_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('service',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('criticality', sa.Enum('low', 'medium', 'high', 'critical', name='criticality', native_enum=False, length=32), nullable=False),
    sa.Column('default_team_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['default_team_id'], ['team.id'], name=op.f('fk_service_default_team_id_team'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_service_owner_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service')),
    sa.UniqueConstraint('name', name=op.f('uq_service_name'))
    )
    op.create_table('team_member',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_team_member_team_id_team'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_team_member_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_team_member'))
    )
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.create_index('ix_team_member_user_id', ['user_id'], unique=False)

    op.create_table('ticket',
    sa.Column('type', sa.Enum('incident', 'service_request', 'problem', 'question', name='tickettype', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('new', 'triage', 'in_progress', 'awaiting_requester', 'awaiting_third_party', 'testing', 'awaiting_validation', 'resolved', 'closed', 'rejected', name='status', native_enum=False, length=32), nullable=False),
    sa.Column('subject', sa.String(length=250), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('channel', sa.Enum('portal', 'email', 'phone', 'walk_up', 'chat', 'api', 'alert', name='channel', native_enum=False, length=32), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('impact', sa.Enum('high', 'medium', 'low', name='level', native_enum=False, length=32), nullable=False),
    sa.Column('urgency', sa.Enum('high', 'medium', 'low', name='level', native_enum=False, length=32), nullable=False),
    sa.Column('priority', sa.Enum('P1', 'P2', 'P3', 'P4', name='priority', native_enum=False, length=32), nullable=False),
    sa.Column('priority_reason', sa.String(length=500), nullable=False),
    sa.Column('has_workaround', sa.Boolean(), nullable=False),
    sa.Column('eta_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('problem_id', sa.Integer(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('csat_score', sa.Integer(), nullable=True),
    sa.Column('csat_comment', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('csat_score IS NULL OR csat_score BETWEEN 1 AND 5', name=op.f('ck_ticket_csat_range')),
    sa.ForeignKeyConstraint(['assignee_id'], ['user.id'], name=op.f('fk_ticket_assignee_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_ticket_category_id_category'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_ticket_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['ticket.id'], name=op.f('fk_ticket_merged_into_id_ticket'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['problem_id'], ['ticket.id'], name=op.f('fk_ticket_problem_id_ticket'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requester_id'], ['user.id'], name=op.f('fk_ticket_requester_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_ticket_service_id_service'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_ticket_team_id_team'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket'))
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_assignee_status_created', ['assignee_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_ticket_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_ticket_priority_created', ['priority', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_ticket_problem_id', ['problem_id'], unique=False)
        batch_op.create_index('ix_ticket_requester_created', ['requester_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_ticket_status_created', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_ticket_team_status_created', ['team_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_ticket_updated', ['updated_at', 'id'], unique=False)

    op.create_table('comment',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('is_internal', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.Enum('portal', 'email', 'phone', 'walk_up', 'chat', 'api', 'alert', name='channel', native_enum=False, length=32), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_comment_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_comment_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_ticket_created', ['ticket_id', 'created_at'], unique=False)

    op.create_table('ticket_event',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('created', 'field_changed', 'status_changed', 'comment_added', 'note_added', 'attachment_added', 'linked_problem', 'merged', 'rated', name='eventkind', native_enum=False, length=32), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('is_internal', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_ticket_event_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_event_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_event'))
    )
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_event_ticket_created', ['ticket_id', 'created_at'], unique=False)

    op.create_table('ticket_tag',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_ticket_tag_tag_id_tag'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_tag_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'tag_id', name=op.f('pk_ticket_tag'))
    )
    with op.batch_alter_table('ticket_tag', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_tag_tag_id', ['tag_id'], unique=False)

    op.create_table('ticket_watcher',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_watcher_ticket_id_ticket'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_ticket_watcher_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'user_id', name=op.f('pk_ticket_watcher'))
    )
    with op.batch_alter_table('ticket_watcher', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_watcher_user_id', ['user_id'], unique=False)

    op.create_table('attachment',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=127), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('is_internal', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_attachment_comment_id_comment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_attachment_ticket_id_ticket'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_attachment_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_ticket_id'), ['ticket_id'], unique=False)

    _create_search_index()


def _create_search_index() -> None:
    """Full-text search (see app/tickets/search.py): tsvector + GIN on PostgreSQL, FTS5 on SQLite."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE TABLE ticket_search (
                ticket_id integer PRIMARY KEY REFERENCES ticket (id) ON DELETE CASCADE,
                public_text text NOT NULL DEFAULT '',
                internal_text text NOT NULL DEFAULT '',
                public_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', public_text)) STORED,
                all_tsv tsvector GENERATED ALWAYS AS
                    (to_tsvector('simple', public_text || ' ' || internal_text)) STORED
            )""")
        op.execute("CREATE INDEX ix_ticket_search_public_tsv ON ticket_search USING gin (public_tsv)")
        op.execute("CREATE INDEX ix_ticket_search_all_tsv ON ticket_search USING gin (all_tsv)")
    else:
        op.execute("CREATE VIRTUAL TABLE ticket_fts USING fts5(public_text, internal_text, "
                   "tokenize = 'unicode61 remove_diacritics 2')")
        # SQLite's FTS5 cannot reference the ticket table: remove search rows with their ticket.
        op.execute("CREATE TRIGGER ticket_fts_delete AFTER DELETE ON ticket BEGIN "
                   "DELETE FROM ticket_fts WHERE rowid = old.id; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE ticket_search")
    else:
        op.execute("DROP TRIGGER ticket_fts_delete")
        op.execute("DROP TABLE ticket_fts")

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_ticket_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('ticket_watcher', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_watcher_user_id')

    op.drop_table('ticket_watcher')
    with op.batch_alter_table('ticket_tag', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_tag_tag_id')

    op.drop_table('ticket_tag')
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_event_ticket_created')

    op.drop_table('ticket_event')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_ticket_created')

    op.drop_table('comment')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_updated')
        batch_op.drop_index('ix_ticket_team_status_created')
        batch_op.drop_index('ix_ticket_status_created')
        batch_op.drop_index('ix_ticket_requester_created')
        batch_op.drop_index('ix_ticket_problem_id')
        batch_op.drop_index('ix_ticket_priority_created')
        batch_op.drop_index('ix_ticket_created')
        batch_op.drop_index('ix_ticket_assignee_status_created')

    op.drop_table('ticket')
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_index('ix_team_member_user_id')

    op.drop_table('team_member')
    op.drop_table('service')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    op.drop_table('user')
    op.drop_table('team')
    op.drop_table('tag')
    op.drop_table('category')

