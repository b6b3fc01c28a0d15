"""Console: sessions, claims, approvals

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
# Indexes of the console's pages, on tables other migrations own (named ix_console_* to stay apart).
# The audit page's date range uses ix_audit_events_ts (migration 0002); (column, seq) pairs keep the
# newest-first keyset order on PostgreSQL too, where an index does not end with the row id.
_PAGE_INDEXES = (
    ('runs', 'ix_console_runs_bot_id', ['bot', 'id']),
    ('runs', 'ix_console_runs_status_id', ['status', 'id']),
    ('runs', 'ix_console_runs_trigger_id', ['trigger', 'id']),
    ('runs', 'ix_console_runs_created_at', ['created_at']),
    ('work_items', 'ix_console_items_state_updated', ['state', 'updated_at', 'id']),
    ('work_items', 'ix_console_items_bot_state_updated', ['bot', 'state', 'updated_at', 'id']),
    ('work_items', 'ix_console_items_code_state_updated', ['error_code', 'state', 'updated_at', 'id']),
    ('work_items', 'ix_console_items_last_run', ['last_run_id', 'id']),
    ('audit_events', 'ix_console_audit_actor_seq', ['actor', 'seq']),
    ('audit_events', 'ix_console_audit_action_seq', ['action', 'seq']),
    ('audit_events', 'ix_console_audit_target_seq', ['target_id', 'seq']),
)


def upgrade() -> None:
    op.create_table(
        'console_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('expires_at', _TS, nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_console_sessions_user_id', 'console_sessions', ['user_id'])
    op.create_index('ix_console_sessions_expires_at', 'console_sessions', ['expires_at'])
    op.create_table(
        'console_login_failures',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('login', sa.String(length=128), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('at', _TS, nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_console_login_failures_login_at', 'console_login_failures', ['login', 'at'])
    op.create_index('ix_console_login_failures_address_at', 'console_login_failures', ['address', 'at'])
    op.create_table(
        'console_claims',
        sa.Column('work_item_id', sa.Integer(), sa.ForeignKey('work_items.id'), nullable=False),
        sa.Column('login', sa.String(length=128), nullable=False),
        sa.Column('claimed_at', _TS, nullable=False),
        sa.PrimaryKeyConstraint('work_item_id'),
    )
    op.create_index('ix_console_claims_login', 'console_claims', ['login'])
    op.create_table(
        'console_proposals',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('work_item_id', sa.Integer(), sa.ForeignKey('work_items.id'), nullable=False),
        sa.Column('bot', sa.String(length=64), nullable=False),
        sa.Column('reference', sa.String(length=255), nullable=False),
        sa.Column('resolution', sa.Text(), nullable=False),
        sa.Column('amount', sa.String(length=32), nullable=False),
        sa.Column('proposed_by', sa.String(length=128), nullable=False),
        sa.Column('proposed_at', _TS, nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('decided_by', sa.String(length=128), nullable=True),
        sa.Column('decided_at', _TS, nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_console_proposals_work_item_id', 'console_proposals', ['work_item_id'])
    op.create_index('ix_console_proposals_state_id', 'console_proposals', ['state', 'id'])
    for table, name, columns in _PAGE_INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for table, name, _columns in reversed(_PAGE_INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table('console_proposals')
    op.drop_table('console_claims')
    op.drop_table('console_login_failures')
    op.drop_table('console_sessions')
