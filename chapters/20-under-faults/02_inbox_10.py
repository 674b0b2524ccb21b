"""The inbox: the messages each consumer has received, so its first step runs once.

A broker delivers a message at least once: again after a worker died before
acknowledging it, and twice when a relay sent it twice. A consumer whose
effect must happen once records each message id in the ``inbox`` table, in
the transaction of the effect: both commit, or neither does.

Consumers run in Celery workers, which have no event loop: these functions
take a synchronous connection.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from reading_club.adapters.sql import tables


def first_delivery(
    connection: Connection, message_id: uuid.UUID, consumer: str
) -> bool:
    """Record that ``consumer`` received ``message_id``: False if it had already.

    Call it in the transaction of the effect, before the effect: on SQLite,
    as the transaction's first statement, which takes the database's write
    lock (a transaction that read first fails at once, instead of waiting,
    when another one committed meanwhile). When it returns False, an earlier
    delivery committed this step: skip its effect, and go on with the later
    steps, which must be safe to repeat, down to ``finish_delivery``: the
    earlier delivery may have stopped before it. Two deliveries at once
    cannot both insert: the second waits for the first, on SQLite's write
    lock or on PostgreSQL's primary key, and fails once the first commits.

    The INSERT runs in a savepoint. On PostgreSQL, a failed statement aborts
    the whole transaction, which then refuses every statement until it is
    rolled back: rolling back to the savepoint undoes only the INSERT, and
    the transaction can go on, to find the row, and to commit.
    """
    insert = tables.inbox.insert().values(
        message_id=message_id, consumer=consumer, received_at=datetime.now(UTC)
    )
    try:
        with connection.begin_nested():
            connection.execute(insert)
    except IntegrityError:
        if not _received(connection, message_id, consumer):
            raise  # Not a duplicate: a bug, or a broken schema.
        return False
    return True


def finish_delivery(
    connection: Connection, message_id: uuid.UUID, consumer: str
) -> None:
    """Record that ``consumer`` finished ``message_id``, in the transaction
    of its last step. Until then, the active relay counts the message as
    never handled, and, after a while, sends it again (``lost_messages.py``):
    a consumer whose last step was lost with its message gets another."""
    connection.execute(
        update(tables.inbox)
        .where(
            tables.inbox.c.message_id == message_id,
            tables.inbox.c.consumer == consumer,
        )
        .values(finished_at=datetime.now(UTC))
    )


def _received(connection: Connection, message_id: uuid.UUID, consumer: str) -> bool:
    query = select(tables.inbox.c.message_id).where(
        tables.inbox.c.message_id == message_id,
        tables.inbox.c.consumer == consumer,
    )
    return connection.execute(query).first() is not None


def prune_inbox(
    engine: Engine, received_before: datetime, batch_size: int = 5000
) -> int:
    """Forget the messages received before ``received_before``; how many.

    A message forgotten is a message that would be handled again: keep them
    longer than a duplicate can take to arrive (a relay down for a day, a
    visibility timeout, a retry, a look for lost messages up to
    ``CLUB_LOST_WITHIN`` after the send), such as a week. The rows go a batch
    per transaction, so that none holds its locks for long. The relay's count
    of the copies it sent again goes too, for the messages it last sent
    before ``received_before``.
    """
    resends = tables.resends
    with engine.begin() as connection:
        connection.execute(
            delete(resends).where(resends.c.last_sent_at < received_before)
        )
    inbox = tables.inbox
    oldest = (
        select(inbox.c.message_id, inbox.c.consumer)
        .where(inbox.c.received_at < received_before)
        .limit(batch_size)
    )
    key = tuple_(inbox.c.message_id, inbox.c.consumer)
    pruned = 0
    while True:
        with engine.begin() as connection:
            deleted = connection.execute(delete(inbox).where(key.in_(oldest))).rowcount
        pruned += deleted
        if deleted < batch_size:
            return pruned
