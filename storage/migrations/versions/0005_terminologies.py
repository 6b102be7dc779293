"""Terminologies: imported releases (LOINC, SNOMED CT, RxNorm) with an FTS5 index of terms.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "terminology_releases",
        sa.Column("system", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("terms", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("system"),
    )
    op.create_table(
        "terminology_terms",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("system", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("display", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_terminology_terms_system_code", "terminology_terms", ["system", "code"], unique=False
    )
    op.create_table(
        "terminology_words",
        sa.Column("word", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("word"),
        sqlite_with_rowid=False,
    )
    # Words of terms, prefix-searchable; rows point at terminology_terms by id (rowid).
    op.execute(
        "CREATE VIRTUAL TABLE terminology_fts USING fts5("
        "display, content='terminology_terms', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')"
    )
    # The index's own word list (read once per import to fill terminology_words).
    op.execute("CREATE VIRTUAL TABLE terminology_fts_vocab USING fts5vocab(terminology_fts, row)")


def downgrade() -> None:
    op.execute("DROP TABLE terminology_fts_vocab")
    op.execute("DROP TABLE terminology_fts")
    op.drop_table("terminology_words")
    op.drop_index("ix_terminology_terms_system_code", table_name="terminology_terms")
    op.drop_table("terminology_terms")
    op.drop_table("terminology_releases")
