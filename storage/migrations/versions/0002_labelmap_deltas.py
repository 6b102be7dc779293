"""Label-map edit steps (compressed voxels of a bounding box), replayed after a snapshot.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "labelmap_deltas",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("bbox", sa.JSON(), nullable=False),
        sa.Column("dtype", sa.String(length=8), nullable=False),
        sa.Column("voxels", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_labelmap_deltas_item_seq", "labelmap_deltas", ["item_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_labelmap_deltas_item_seq", table_name="labelmap_deltas")
    op.drop_table("labelmap_deltas")
