"""Scale-out on PostgreSQL: dispatch, workers, leader

Revision ID: 0004
Revises: 0003

The run records say which worker ran them; ``scheduler_leader`` says which scheduler leads and when
its heartbeat was last seen; ``schedule_pauses`` holds the paused schedules every scheduler reads. On PostgreSQL, procrastinate's own schema (its jobs,
workers and events tables and functions) is installed here too, so ``rpa db upgrade`` prepares
everything a worker needs; SQLite has no workers and gets the column only.
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

PROCRASTINATE_TABLES = (
    "procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs", "procrastinate_workers",
)


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("worker", sa.String(255), nullable=True))
    op.create_table(
        "scheduler_leader",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replay_from", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "schedule_pauses",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("paused_by", sa.String(128), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        exists = bind.execute(sa.text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar()
        if not exists:
            # The raw driver connection: the schema is many statements with PL/pgSQL bodies, sent as is.
            bind.connection.dbapi_connection.execute(SchemaManager.get_schema())  # type: ignore[union-attr]


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in PROCRASTINATE_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        for type_name in ("procrastinate_job_to_defer_v1", "procrastinate_job_event_type", "procrastinate_job_status"):
            op.execute(f"DROP TYPE IF EXISTS {type_name} CASCADE")
        functions = bind.execute(
            sa.text("SELECT oid::regprocedure::text FROM pg_proc WHERE proname LIKE 'procrastinate%'")
        ).scalars().all()
        for signature in functions:
            op.execute(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
    op.drop_table("schedule_pauses")
    op.drop_table("scheduler_leader")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("worker")
