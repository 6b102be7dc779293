"""Sync: the workstation's checkouts and outbox, the manager's pushed batches and results.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_checkouts",
        sa.Column("batch_id", sa.String(length=64), primary_key=True),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("track", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("issue", sa.Integer(), nullable=False),
        sa.Column("stream_seq", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("lease_revision", sa.Integer(), nullable=True),
        sa.Column("lease_expires_at", sa.String(length=40), nullable=True),
        sa.Column("lease_lost", sa.Integer(), nullable=False),
        sa.Column("bytes_total", sa.Integer(), nullable=False),
        sa.Column("bytes_done", sa.Integer(), nullable=False),
        sa.Column("checked_out_at", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
    )
    op.create_index("ix_sync_checkouts_group_id", "sync_checkouts", ["group_id"])
    op.create_table(
        "sync_outbox",
        sa.Column("result_id", sa.String(length=36), primary_key=True),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.String(length=40), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
    )
    op.create_index("ix_sync_outbox_batch_id", "sync_outbox", ["batch_id"])
    op.create_index("ix_sync_outbox_sent_at", "sync_outbox", ["sent_at"])
    op.create_table(
        "queue_batches",
        sa.Column("batch_id", sa.String(length=64), primary_key=True),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("track", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("issue", sa.Integer(), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("gold_task_ids", sa.JSON(), nullable=False),
        sa.Column("pushed_at", sa.String(length=40), nullable=False),
    )
    op.create_index("ix_queue_batches_project", "queue_batches", ["project"])
    op.create_index("ix_queue_batches_group_id", "queue_batches", ["group_id"])
    op.create_table(
        "queue_results",
        sa.Column("result_id", sa.String(length=36), primary_key=True),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("annotator", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.String(length=40), nullable=False),
        sa.Column("flag", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("exported_at", sa.String(length=40), nullable=True),
    )
    op.create_index("ix_queue_results_project", "queue_results", ["project"])
    op.create_index("ix_queue_results_batch_id", "queue_results", ["batch_id"])


def downgrade() -> None:
    for table in ("queue_results", "queue_batches", "sync_outbox", "sync_checkouts"):
        op.drop_table(table)
