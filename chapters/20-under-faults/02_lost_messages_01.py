"""Messages that the broker lost: a relay sent them, and the consumer never
handled them.

kombu's Redis transport takes a message out of its queue with one command
(BRPOP) and records it as unacknowledged with another: a worker that dies
between the two, or with an answer to BRPOP that it has not read yet, takes
the message with it. No queue has it, and no sweep of unacknowledged
messages gives it back. The club's own records can tell: the outbox says
that the message was sent, and the consumer's inbox that it never arrived.

The active relay looks for such messages now and then, and sends each again
to the consumer that missed it: the inbox makes a copy that did arrive
harmless. It looks only at consumers that keep an inbox in the club's
database; a service of another team needs its own way to ask again.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, exists, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport, Consumer
from reading_club.adapters.sql.tables import dead_letters, inbox, messages
from reading_club.adapters.sql.wire import wire_format
from reading_club.logs import about_message

log = logging.getLogger(__name__)


def never_handled(
    consumer: str, sent_after: datetime, sent_before: datetime, limit: int
) -> Select[Any]:
    """The messages sent between the two times that ``consumer`` has neither
    handled (its inbox) nor given up on (its dead letters), the oldest first."""
    handled = exists().where(
        inbox.c.message_id == messages.c.message_id, inbox.c.consumer == consumer
    )
    given_up = exists().where(
        dead_letters.c.message_id == messages.c.message_id,
        dead_letters.c.consumer == consumer,
    )
    return (
        select(messages)
        .where(
            messages.c.published,
            messages.c.sent_at >= sent_after,
            messages.c.sent_at < sent_before,
            ~handled,
            ~given_up,
        )
        .order_by(messages.c.sent_at, messages.c.message_id)
        .limit(limit)
    )


async def send_lost_messages(
    engine: AsyncEngine,
    transport: CeleryTransport,
    consumer: Consumer,
    *,
    waiting_in: Callable[[str], int],
    lost_after: float,
    lost_within: float,
    batch_size: int = 100,
) -> list[uuid.UUID]:
    """Send again to ``consumer`` what it has not handled ``lost_after``
    seconds after its send, among the messages sent in the last
    ``lost_within`` seconds; the ids of those sent again.

    A message still waiting in the queue is late, not lost: while the
    consumer's queue is not empty (``waiting_in``), nothing is sent again.
    Each message sent again counts as sent now, so it is sent again once per
    ``lost_after`` at most, while its consumer does not handle it.
    ``lost_within`` must be shorter than the inbox keeps its rows: a message
    that the inbox has forgotten would look as if it had never arrived.
    """
    if waiting := await asyncio.to_thread(waiting_in, consumer.queue):
        log.debug("%d messages wait in %s: none is lost yet", waiting, consumer.queue)
        return []
    now = datetime.now(UTC)
    query = never_handled(
        consumer.queue,
        sent_after=now - timedelta(seconds=lost_within),
        sent_before=now - timedelta(seconds=lost_after),
        limit=batch_size,
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    sent = await asyncio.to_thread(_send_again, transport, consumer, rows)
    if sent:
        async with engine.begin() as connection:
            await connection.execute(
                update(messages)
                .where(messages.c.message_id.in_(sent))
                .values(sent_at=datetime.now(UTC))
            )
    return sent


def _send_again(
    transport: CeleryTransport, consumer: Consumer, rows: Sequence[Row[Any]]
) -> list[uuid.UUID]:
    """Send each message to ``consumer`` if its route still names it; stop at
    the first failure, and say which were sent."""
    sent: list[uuid.UUID] = []
    for row in rows:
        message = wire_format(row)
        if consumer not in transport.consumers_of(message):
            continue
        with about_message(message["id"]):
            try:
                transport.send_to(consumer, message)
            except Exception as error:
                log.warning("message %s not sent again: %r", row.message_id, error)
                break
            log.warning(
                "message %s, sent at %s, never reached %s: sent again",
                row.message_id,
                row.sent_at.isoformat(),
                consumer.queue,
            )
        sent.append(row.message_id)
    return sent
