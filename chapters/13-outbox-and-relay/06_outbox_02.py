"""The outbox's sending side: the stored messages that no relay has sent yet.

The transaction that changes the club's data also stores the events it
records (the message store), and that is all a request does. A relay, in a
process of its own, claims a batch of what is still unsent, hands it to the
broker, and marks what the broker accepted as sent.

No transaction stays open while the relay talks to the broker: claiming is
one short transaction, marking another. A broker that is slow to answer
makes the relay slow, never the club's requests. In between, the batch is
claimed by the relay until a time (its lease): a relay that dies with
claimed messages leaves them to the next relay once the lease is over.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from messagebus import AsyncSinkholeEventstreamTransport
from sqlalchemy import ColumnElement, Row, Update, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql.tables import UNSENT, messages
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.adapters.sql.wire import wire_format

log = logging.getLogger(__name__)


def outbox_unit_of_work(engine: AsyncEngine) -> SqlUnitOfWork:
    """A request's unit of work, once a relay sends: it stores each message
    in the transaction, and sends none of them.

    messagebus still hands each published message to the transport as the
    transaction ends; this one, its sinkhole, drops it. With a transport
    that sends, each event would be sent twice, by the request and by the
    relay, and a broker that is down would fail the request again.
    """
    return SqlUnitOfWork(engine, AsyncSinkholeEventstreamTransport())


@dataclass
class Batch:
    """What one pass of a relay did."""

    claimed: int = 0
    sent: list[uuid.UUID] = field(default_factory=list)
    """The messages marked sent, in order: accepted by the broker, or unrouted."""
    unrouted: int = 0
    """Messages of a type that no route names: marked sent, sent nowhere."""


async def relay_batch(
    engine: AsyncEngine,
    transport: CeleryTransport,
    *,
    relay: str,
    batch_size: int = 100,
    lease: float = 300.0,
) -> Batch:
    """Claim the oldest unsent messages, send them in order, mark them sent.

    The claim is committed before the first send. The relay sends until the
    broker fails or half of the lease is gone, then marks what was sent and
    gives the rest back, to be sent by the next pass. A relay that dies after
    the broker accepted a message, and before marking it, leaves it to be
    sent again: a relay delivers each message at least once, never exactly
    once. A broker failure is raised after the marking.
    """
    rows = await claim_batch(engine, relay, batch_size, lease)
    batch = Batch(claimed=len(rows))
    if rows:
        deadline = time.monotonic() + lease / 2
        try:
            await asyncio.to_thread(_send_in_order, transport, rows, batch, deadline)
        finally:
            await _settle(engine, relay, rows, batch.sent)
    return batch


async def claim_batch(
    engine: AsyncEngine, relay: str, batch_size: int, lease: float
) -> list[Row[Any]]:
    """Claim up to ``batch_size`` unsent messages for ``lease`` seconds, the
    oldest first, in one transaction that ends before any is sent."""
    now = datetime.now(UTC)
    until = now + timedelta(seconds=lease)
    async with engine.begin() as connection:
        claimed = await connection.execute(claim(relay, now, until, batch_size))
        rows = claimed.all()
    # RETURNING gives the rows in no promised order.
    return sorted(rows, key=lambda row: (row.created_at, row.message_id))


def claim(relay: str, now: datetime, until: datetime, batch_size: int) -> Update:
    """The claim of a batch, as one ``UPDATE … RETURNING`` statement."""
    batch = (
        select(messages.c.message_id)
        .where(_claimable(now))
        .order_by(messages.c.created_at, messages.c.message_id)
        .limit(batch_size)
        # On PostgreSQL, skip the rows that another relay is claiming and has
        # not committed yet, rather than wait for its commit. SQLite has a
        # single writer: a second relay waits there, and SQLAlchemy leaves
        # the clause out of SQLite's SQL.
        .with_for_update(skip_locked=True)
        # Evaluated once: PostgreSQL may otherwise plan a subquery with a
        # LIMIT to run more than once, and pick more rows than the limit.
        .cte("batch")
        .prefix_with("MATERIALIZED")
    )
    return (
        update(messages)
        # Claimable again: PostgreSQL checks it anew on a row that another
        # transaction claimed and committed meanwhile.
        .where(messages.c.message_id.in_(select(batch.c.message_id)), _claimable(now))
        .values(claimed_by=relay, claimed_until=until)
        .returning(*messages.c)
    )


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Unsent, and claimed by no relay, or by one whose lease is over."""
    return UNSENT & or_(
        messages.c.claimed_until.is_(None), messages.c.claimed_until < now
    )


def _send_in_order(
    transport: CeleryTransport,
    rows: Sequence[Row[Any]],
    batch: Batch,
    deadline: float,
) -> None:
    """Send each message to its consumers, until one send fails or the
    deadline passes; ``batch.sent`` says how far it got."""
    for row in rows:
        if time.monotonic() > deadline:
            left = len(rows) - len(batch.sent)
            log.warning("half of the lease is gone: %d messages left for later", left)
            return
        message: Mapping[str, Any] = wire_format(row)
        if not transport.consumers_of(message):
            log.warning(
                "no route for %s: %s sent nowhere", message["type"], row.message_id
            )
            batch.unrouted += 1
        transport.send(message)
        batch.sent.append(row.message_id)


async def _settle(
    engine: AsyncEngine, relay: str, rows: Sequence[Row[Any]], sent: list[uuid.UUID]
) -> None:
    """Mark the sent messages sent, and give back the claim on the others."""
    done = set(sent)
    unsent = [row.message_id for row in rows if row.message_id not in done]
    async with engine.begin() as connection:
        if sent:
            await connection.execute(
                update(messages)
                .where(messages.c.message_id.in_(sent))
                .values(sent_at=datetime.now(UTC), claimed_by=None, claimed_until=None)
            )
        if unsent:
            await connection.execute(
                update(messages)
                .where(
                    messages.c.message_id.in_(unsent), messages.c.claimed_by == relay
                )
                .values(claimed_by=None, claimed_until=None)
            )
