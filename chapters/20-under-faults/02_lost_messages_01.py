"""Messages that the broker lost: a relay sent them, and the consumer never
finished them.

kombu's Redis transport takes a message out of its queue with one command
(BRPOP) and records it as unacknowledged with another: a worker that dies
between the two, or with an answer to BRPOP that it has not read yet, takes
the message with it. No queue has it, and no sweep of unacknowledged
messages gives it back. The club's own records can tell: the outbox says
that the message was sent, and the consumer's inbox that it never finished.

The active relay looks for such messages now and then, and sends each again
to the consumer that missed it: the inbox makes a copy that did arrive
harmless. It looks only at consumers that keep an inbox in the club's
database; a service of another team needs its own way to ask again.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport, Consumer
from reading_club.adapters.sql.catalogue import upsert
from reading_club.adapters.sql.dead_letters import keep_dead_letter
from reading_club.adapters.sql.tables import dead_letters, inbox, messages, resends
from reading_club.adapters.sql.wire import wire_format
from reading_club.logs import about_message

log = logging.getLogger(__name__)


@dataclass
class Look:
    """What one look for a consumer's lost messages did."""

    sent: list[uuid.UUID] = field(default_factory=list)
    """The messages sent again."""
    given_up: list[uuid.UUID] = field(default_factory=list)
    """The messages sent again too often already: kept as dead letters."""
    skipped: bool = False
    """The consumer's queue was not empty: nothing was looked for."""


def never_finished(
    consumer: str,
    types: Sequence[tuple[str, int]],
    *,
    sent_after: datetime,
    sent_before: datetime,
    limit: int,
) -> Select[Any]:
    """The messages of ``types`` (name, version) sent between the two times
    that ``consumer`` has neither finished (its inbox) nor given up on (its
    dead letters), and that no look has sent again since ``sent_before``; each
    with how many times it was sent again, the oldest first."""
    finished = exists().where(
        inbox.c.message_id == messages.c.message_id,
        inbox.c.consumer == consumer,
        inbox.c.finished_at.is_not(None),
    )
    given_up = exists().where(
        dead_letters.c.message_id == messages.c.message_id,
        dead_letters.c.consumer == consumer,
    )
    resent = and_(
        resends.c.message_id == messages.c.message_id, resends.c.consumer == consumer
    )
    return (
        select(messages, resends.c.times)
        .outerjoin(resends, resent)
        .where(
            messages.c.published,
            tuple_(messages.c.name, messages.c.schema_version).in_(types),
            messages.c.sent_at >= sent_after,
            messages.c.sent_at < sent_before,
            or_(resends.c.last_sent_at.is_(None), resends.c.last_sent_at < sent_before),
            ~finished,
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
    resends_at_most: int = 3,
    batch_size: int = 100,
) -> Look:
    """Send again to ``consumer`` what it has not finished ``lost_after``
    seconds after its send, among the messages sent in the last
    ``lost_within`` seconds.

    A message still waiting in the queue is late, not lost: while the
    consumer's queue is not empty (``waiting_in``), nothing is sent again.
    A message is sent again once per ``lost_after`` at most; after
    ``resends_at_most`` times, it is kept as the consumer's dead letter, for
    an operator to look at. ``lost_within`` must be shorter than the inbox
    keeps its rows: a message that the inbox has forgotten would look as if
    it had never arrived.
    """
    if await asyncio.to_thread(waiting_in, consumer.queue):
        return Look(skipped=True)
    now = datetime.now(UTC)
    query = never_finished(
        consumer.queue,
        types_of(transport, consumer),
        sent_after=now - timedelta(seconds=lost_within),
        sent_before=now - timedelta(seconds=lost_after),
        limit=batch_size,
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    too_often = [row for row in rows if (row.times or 0) >= resends_at_most]
    again = [row for row in rows if (row.times or 0) < resends_at_most]
    look = Look(given_up=[row.message_id for row in too_often])
    look.sent = await asyncio.to_thread(_send_again, transport, consumer, again)
    async with engine.begin() as connection:
        await connection.run_sync(_record, consumer, look.sent, too_often)
    return look


def types_of(transport: CeleryTransport, consumer: Consumer) -> list[tuple[str, int]]:
    """The message types routed to ``consumer``, as the message store names
    them: ``book_registered_v2`` is ``("book_registered", 2)``."""
    types = []
    for routed, consumers in transport.routes.items():
        if consumer in consumers:
            name, _, version = routed.rpartition("_v")
            types.append((name, int(version)))
    return types


def _send_again(
    transport: CeleryTransport, consumer: Consumer, rows: Sequence[Row[Any]]
) -> list[uuid.UUID]:
    """Send each message to ``consumer``; stop at the first failure, and say
    which were sent."""
    sent: list[uuid.UUID] = []
    for row in rows:
        message = wire_format(row)
        with about_message(message["id"]):
            try:
                transport.send_to(consumer, message)
            except Exception as error:
                log.warning("message %s not sent again: %r", row.message_id, error)
                break
            log.warning(
                "message %s, sent at %s, never finished by %s: sent again",
                row.message_id,
                row.sent_at.isoformat(),
                consumer.queue,
            )
        sent.append(row.message_id)
    return sent


def _record(
    connection: Connection,
    consumer: Consumer,
    sent: list[uuid.UUID],
    too_often: list[Row[Any]],
) -> None:
    """Count each message sent again; keep those sent too often as dead
    letters."""
    now = datetime.now(UTC)
    for message_id in sent:
        insert = upsert(connection, resends).values(
            message_id=message_id, consumer=consumer.queue, times=1, last_sent_at=now
        )
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=[resends.c.message_id, resends.c.consumer],
                set_={"times": resends.c.times + 1, "last_sent_at": now},
            )
        )
    for row in too_often:
        with about_message(str(row.message_id)):
            log.error(
                "message %s was sent again %d times, and never finished by %s: "
                "kept as a dead letter",
                row.message_id,
                row.times,
                consumer.queue,
            )
        keep_dead_letter(
            connection,
            wire_format(row),
            consumer=consumer.queue,
            error=f"sent {row.times + 1} times, never finished by {consumer.queue}",
            traceback="",
            attempts=row.times + 1,
        )
