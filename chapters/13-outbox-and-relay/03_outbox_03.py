"""The outbox's sending side: the stored messages that no relay has sent yet.

The transaction that changes the club's data also stores the events it
records (the message store), and that is all a request does. A relay, in a
process of its own, reads what is still unsent, hands it to the broker, and
marks it sent.
"""

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from messagebus import AsyncSinkholeEventstreamTransport
from sqlalchemy import Row, Update, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql.tables import UNSENT, messages
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork


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
    commit, the mark is seen by no other connection, and the marked rows
    stay locked. If the broker refuses the batch, or the relay dies before
    the commit, the transaction is rolled back and the messages are unsent
    again: the next pass sends them, some of them maybe a second time. The
    relay delivers each message at least once, never exactly once.
    """
    async with engine.begin() as connection:
        marked = await connection.execute(_mark_oldest_unsent(batch_size))
        # RETURNING gives the rows in no promised order.
        rows = sorted(marked.all(), key=lambda row: (row.created_at, row.message_id))
        if rows:
            batch = [wire_format(row) for row in rows]
            await asyncio.to_thread(transport.send_many, batch)
    return len(rows)


def _mark_oldest_unsent(batch_size: int) -> Update:
    oldest = (
        select(messages.c.message_id)
        .where(UNSENT)
        .order_by(messages.c.created_at, messages.c.message_id)
        .limit(batch_size)
        # On PostgreSQL, skip the rows that another relay has marked and not
        # committed yet, rather than wait for them. SQLite has a single
        # writer, so a second relay waits for the first one's commit there;
        # SQLAlchemy leaves the clause out of SQLite's SQL.
        .with_for_update(skip_locked=True)
    )
    return (
        update(messages)
        # UNSENT again: PostgreSQL checks it anew on a row that another
        # transaction changed and committed meanwhile.
        .where(messages.c.message_id.in_(oldest.scalar_subquery()), UNSENT)
        .values(sent_at=datetime.now(UTC))
        .returning(*messages.c)
    )


def wire_format(row: Row[Any]) -> dict[str, Any]:
    """The message of ``row``, serialized as messagebus's ``MessageSerializer``
    serializes a message: the consumers cannot tell the relay from the bus."""
    return {
        "id": str(row.message_id),
        "created_at": row.created_at.isoformat(),
        "type": f"{row.name}_v{row.schema_version}",
        # pydantic's JSON: no spaces, and non-ASCII characters as they are.
        "payload": json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False),
    }
