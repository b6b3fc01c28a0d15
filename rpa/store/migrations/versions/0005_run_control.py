"""Run control: run links, watermarks, adoption

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("resumed_from", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_runs_resumed_from", "runs", ["resumed_from"], ["id"])
    op.create_table(
        "watermarks",
        sa.Column("bot", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("watermarks")
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint("fk_runs_resumed_from", type_="foreignkey")
        batch.drop_column("resumed_from")
