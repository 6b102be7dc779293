"""Compacted label-map snapshots: a segmentation's snapshot with its edits folded in.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "labelmap_snapshots",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("base", sa.String(length=64), nullable=False),
        sa.Column("base_seq", sa.Integer(), nullable=False),
        sa.Column("after_seq", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_labelmap_snapshots_item", "labelmap_snapshots", ["item_id", "base", "base_seq"]
    )


def downgrade() -> None:
    op.drop_index("ix_labelmap_snapshots_item", table_name="labelmap_snapshots")
    op.drop_table("labelmap_snapshots")
