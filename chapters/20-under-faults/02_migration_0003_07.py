"""What the active relay needs to find the messages that the broker lost.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

The active relay looks for the messages sent in a window of time that a
consumer never finished: ``inbox.finished_at`` says which it finished, and
``resends`` how often the relay sent one again. Without the index of the
messages by ``sent_at``, each look would read the whole message store.

PostgreSQL's ``CREATE INDEX`` blocks the writes to the table while it
builds: on a store of millions of messages, build the index by hand first,
``CREATE INDEX CONCURRENTLY messages_sent_at ON messages (sent_at)``, which
cannot run in the transaction of ``reading-club db upgrade``; this
migration then finds it there, and does not build it again. Check first
that the index is valid: one that failed to build is still there, and
unusable (``SELECT indisvalid FROM pg_index WHERE indexrelid =
'messages_sent_at'::regclass``); drop it (``DROP INDEX CONCURRENTLY``), and
build it again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)  # UtcDateTime, as migration 0001 says


def upgrade() -> None:
    op.create_index("messages_sent_at", "messages", ["sent_at"], if_not_exists=True)
    op.add_column("inbox", sa.Column("finished_at", MOMENT, nullable=True))
    # What the consumers received before this migration, they finished: a
    # row left empty would make the relay send a day of messages again.
    op.execute("UPDATE inbox SET finished_at = received_at")
    op.create_table(
        "resends",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("consumer", sa.String(), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("message_id", "consumer"),
    )


def downgrade() -> None:
    op.drop_table("resends")
    with op.batch_alter_table("inbox") as inbox:  # old SQLites copy the table
        inbox.drop_column("finished_at")
    op.drop_index("messages_sent_at", table_name="messages")
