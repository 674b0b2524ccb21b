"""The outbox's sending side: the stored messages that no relay has sent yet.

The transaction that changes the club's data also stores the events it
records (the message store), and that is all a request does. A relay, in a
process of its own, reads what is still unsent, hands it to the broker, and
marks it sent.
"""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from messagebus import AsyncSinkholeEventstreamTransport
from sqlalchemy import Row, Update, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql.tables import UNSENT, messages
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.adapters.sql.wire import wire_format


def outbox_unit_of_work(engine: AsyncEngine) -> SqlUnitOfWork:
    """A request's unit of work, once a relay sends: it stores each message
    in the transaction, and sends none of them.

    messagebus still hands each published message to the transport as the
    transaction ends; this one, its sinkhole, drops it. With a transport
    that sends, each event would be sent twice, by the request and by the
    relay, and a broker that is down would fail the request again.
    """
    return SqlUnitOfWork(engine, AsyncSinkholeEventstreamTransport())


async def relay_batch(
    engine: AsyncEngine, transport: CeleryTransport, batch_size: int = 100
) -> int:
    """Send the oldest unsent messages, at most ``batch_size``; return how many.

    One transaction marks the batch sent, sends it, and commits. Until the
    commit, the mark is seen by no other connection. If the broker refuses
    the batch, or the relay dies before the commit, the transaction is
    rolled back and the messages are unsent again: the next pass sends them,
    some of them maybe a second time.
    """
    async with engine.begin() as connection:
        marked = await connection.execute(_mark_oldest_unsent(batch_size))
        # RETURNING gives the rows in no promised order.
        rows = sorted(marked.all(), key=lambda row: (row.created_at, row.message_id))
        if rows:
            await asyncio.to_thread(_send_in_order, transport, rows)
    return len(rows)


def _mark_oldest_unsent(batch_size: int) -> Update:
    oldest = (
        select(messages.c.message_id)
        .where(UNSENT)
        .order_by(messages.c.created_at, messages.c.message_id)
        .limit(batch_size)
    )
    return (
        update(messages)
        .where(messages.c.message_id.in_(oldest.scalar_subquery()))
        .values(sent_at=datetime.now(UTC))
        .returning(*messages.c)
    )


def _send_in_order(transport: CeleryTransport, rows: Sequence[Row[Any]]) -> None:
    for row in rows:
        transport.send(wire_format(row))
