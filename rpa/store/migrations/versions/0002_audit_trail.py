"""Audit trail: Merkle checkpoints, subject keys, append-only guards

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_GUARD = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
"""


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_audit_events_ts", ["ts"], unique=False)
        batch_op.create_index("ix_audit_events_actor", ["actor"], unique=False)
        batch_op.create_index("ix_audit_events_target", ["target_type", "target_id"], unique=False)
        batch_op.create_index("ix_audit_events_run", ["run_id"], unique=False)
    # Events written before this migration: their run, from the actor (bot:<id>/run:<n>).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE audit_events SET run_id = CAST(substring(actor from '/run:([0-9]+)$') AS INTEGER) "
            "WHERE actor ~ '/run:[0-9]+$'"
        )
    else:
        op.execute(
            "UPDATE audit_events SET run_id = CAST(substr(actor, instr(actor, '/run:') + 5) AS INTEGER) "
            "WHERE actor LIKE 'bot:%/run:%'"
        )
    op.create_table(
        "audit_subject_keys",
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forgotten_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("subject"),
    )
    op.create_table(
        "audit_merkle_blocks",
        sa.Column("block", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("block"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_GUARD)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    op.drop_table("audit_merkle_blocks")
    op.drop_table("audit_subject_keys")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_run")
        batch_op.drop_index("ix_audit_events_target")
        batch_op.drop_index("ix_audit_events_actor")
        batch_op.drop_index("ix_audit_events_ts")
        batch_op.drop_column("run_id")
