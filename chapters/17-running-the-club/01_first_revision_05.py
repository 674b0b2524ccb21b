"""The club's tables, as chapter 16 left them.

Revision ID: 0001
Revises:
Create Date: 2026-12-05

A migration describes the database at one moment, and never changes once
it has run somewhere: it names its types from SQLAlchemy, not from the
club's code, which goes on changing. ``UtcDateTime`` converts values in
Python; in the database it is ``DateTime(timezone=True)``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "books",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("isbn", sa.String(13), nullable=False, unique=True),
    )
    op.create_table(
        "messages",
        sa.Column("message_id", sa.Uuid(), primary_key=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("sent_at", MOMENT, nullable=True),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("claimed_until", MOMENT, nullable=True),
    )
    # The same condition as the table's: each database compiles it its own
    # way (SQLite has no booleans), and SQLite uses a partial index only for
    # a query whose condition contains the index's, as it is written.
    unsent = sa.and_(
        sa.column("published", sa.Boolean()), sa.column("sent_at").is_(None)
    )
    op.create_index(
        "messages_to_send",
        "messages",
        ["created_at", "message_id"],
        sqlite_where=unsent,
        postgresql_where=unsent,
    )
    op.create_table(
        "author_books",
        sa.Column("author", sa.String(), primary_key=True),
        sa.Column("books", sa.Integer(), nullable=False),
    )
    op.create_table(
        "search_index",
        sa.Column("book_id", sa.Uuid(), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
    )
    op.create_table(
        "inbox",
        sa.Column("message_id", sa.Uuid(), primary_key=True),
        sa.Column("consumer", sa.String(), primary_key=True),
        sa.Column("received_at", MOMENT, nullable=False),
    )
    op.create_index("inbox_received_at", "inbox", ["received_at"])
    op.create_table(
        "dead_letters",
        sa.Column("message_id", sa.Uuid(), primary_key=True),
        sa.Column("consumer", sa.String(), primary_key=True),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.Column("traceback", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", MOMENT, nullable=False),
        sa.Column("last_failed_at", MOMENT, nullable=False),
        sa.Column("replayed_at", MOMENT, nullable=True),
    )


def downgrade() -> None:
    for table in [
        "dead_letters",
        "inbox",
        "search_index",
        "author_books",
        "messages",
        "books",
    ]:
        op.drop_table(table)  # with its indexes
