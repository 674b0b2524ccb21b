"""An index of the messages by the time they were sent.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

The active relay looks for the messages sent in a window of time that a
consumer never handled: without this index, each look reads the whole
message store. PostgreSQL's ``CREATE INDEX`` blocks the writes to the
table while it builds: on a store of millions of messages, build it by hand
first, ``CREATE INDEX CONCURRENTLY messages_sent_at ON messages (sent_at)``,
which cannot run in the transaction of ``reading-club db upgrade``; this
migration then finds it there and does nothing.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("messages_sent_at", "messages", ["sent_at"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("messages_sent_at", table_name="messages")
