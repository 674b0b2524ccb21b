"""Notify the relays when a transaction stores messages (PostgreSQL only).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05

A statement-level trigger: one notification per INSERT, however many rows
it stores, and PostgreSQL folds the notifications of one transaction with
the same channel and payload into one, delivered at COMMIT, and never on a
rollback. SQLite has no notifications: there, the migration does nothing.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION notify_the_relays() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('club_outbox', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER messages_stored AFTER INSERT ON messages"
        " FOR EACH STATEMENT EXECUTE FUNCTION notify_the_relays()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER messages_stored ON messages")
    op.execute("DROP FUNCTION notify_the_relays()")
