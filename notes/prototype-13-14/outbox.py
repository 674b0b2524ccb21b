"""Prototype of chapter 13: the messages table as a transactional outbox, and its relay.

The unit of work stores every handled message (chapter 8) and no longer sends
anything: it gets messagebus's AsyncSinkholeEventstreamTransport. A relay
reads the stored messages meant for the stream (``published``) that are not
sent yet, sends them through the CeleryTransport of chapter 11, and marks them.

Columns added to ``messages`` (appended to chapter 12's Table object here;
the chapter would write them in tables.py):

- ``sent_at``: when a relay handed the message to the broker; NULL = to send.
- ``claimed_by`` / ``claimed_at``: which relay is sending it, since when; a
  claim older than CLAIM_LEASE is taken over (the relay died).
"""

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Index, String, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.types import UtcDateTime

messages = tables.messages
if "sent_at" not in messages.c:
    messages.append_column(Column("sent_at", UtcDateTime, nullable=True))
    messages.append_column(Column("claimed_by", String, nullable=True))
    messages.append_column(Column("claimed_at", UtcDateTime, nullable=True))
    UNSENT = and_(messages.c.published, messages.c.sent_at.is_(None))
    Index(
        "messages_to_send",
        messages.c.created_at,
        messages.c.message_id,
        sqlite_where=UNSENT,
        postgresql_where=UNSENT,
    )

CLAIM_LEASE = timedelta(seconds=30)
"""A claim older than this belongs to a relay presumed dead."""


def wire_format(row: Any) -> dict[str, Any]:
    """The serialized message, as messagebus's MessageSerializer would give it."""
    return {
        "id": str(row.message_id),
        "created_at": row.created_at.isoformat(),
        "type": f"{row.name}_v{row.schema_version}",
        # pydantic's model_dump_json is compact: same separators here.
        "payload": json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False),
    }


def _send_batch(transport: CeleryTransport, batch: Sequence[dict[str, Any]]) -> None:
    for message in batch:
        transport._send_tasks(message)


def _unsent(now: datetime) -> Any:
    return and_(
        messages.c.published,
        messages.c.sent_at.is_(None),
        or_(messages.c.claimed_by.is_(None), messages.c.claimed_at < now - CLAIM_LEASE),
    )


async def relay_naive(engine: AsyncEngine, transport: CeleryTransport, batch_size: int = 100) -> int:
    """Select, send, mark: correct alone, sends twice when two run at once."""
    async with engine.connect() as connection:
        await connection.begin()
        query = (
            select(messages)
            .where(messages.c.published, messages.c.sent_at.is_(None))
            .order_by(messages.c.created_at, messages.c.message_id)
            .limit(batch_size)
        )
        rows = (await connection.execute(query)).all()
        await connection.commit()
    if not rows:
        return 0
    await asyncio.to_thread(_send_batch, transport, [wire_format(r) for r in rows])
    async with engine.begin() as connection:
        await _mark_sent(connection, [r.message_id for r in rows])
    return len(rows)


async def _mark_sent(connection: AsyncConnection, ids: Sequence[uuid.UUID]) -> None:
    await connection.execute(
        update(messages)
        .where(messages.c.message_id.in_(ids))
        .values(sent_at=datetime.now(UTC), claimed_by=None, claimed_at=None)
    )


async def claim(engine: AsyncEngine, relay_id: str, batch_size: int) -> list[Any]:
    """Take up to ``batch_size`` unsent messages for this relay, oldest first.

    One UPDATE ... WHERE message_id IN (SELECT ...) RETURNING: on SQLite the
    statement runs under the single write lock, so two relays never claim the
    same row. On PostgreSQL the SELECT skips the rows another relay has
    locked (FOR UPDATE SKIP LOCKED), and the outer WHERE repeats the
    condition, which PostgreSQL re-checks on a row updated meanwhile.
    """
    now = datetime.now(UTC)
    chosen = (
        select(messages.c.message_id)
        .where(_unsent(now))
        .order_by(messages.c.created_at, messages.c.message_id)
        .limit(batch_size)
    )
    if engine.dialect.name == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    statement = (
        update(messages)
        .where(messages.c.message_id.in_(chosen.scalar_subquery()), _unsent(now))
        .values(claimed_by=relay_id, claimed_at=now)
        .returning(*messages.c)
    )
    async with engine.begin() as connection:
        rows = (await connection.execute(statement)).all()
    # RETURNING gives the rows in no promised order.
    return sorted(rows, key=lambda r: (r.created_at, r.message_id))


async def relay_once(
    engine: AsyncEngine,
    transport: CeleryTransport,
    relay_id: str = "relay",
    batch_size: int = 100,
    after_send: Callable[[], None] | None = None,
) -> int:
    """Claim a batch, send it in one thread hop, mark it sent. Returns how many."""
    rows = await claim(engine, relay_id, batch_size)
    if not rows:
        return 0
    await asyncio.to_thread(_send_batch, transport, [wire_format(r) for r in rows])
    if after_send is not None:
        after_send()  # a test's way to die between sending and marking
    async with engine.begin() as connection:
        await _mark_sent(connection, [r.message_id for r in rows])
    return len(rows)


async def relay_until_empty(
    engine: AsyncEngine, transport: CeleryTransport, relay_id: str = "relay", batch_size: int = 100
) -> int:
    total = 0
    while n := await relay_once(engine, transport, relay_id, batch_size):
        total += n
    return total


async def relay_forever(
    engine: AsyncEngine,
    transport: CeleryTransport,
    relay_id: str = "relay",
    batch_size: int = 100,
    idle: float = 0.05,
    retry: float = 0.2,
) -> None:
    """The relay as a loop: poll when idle, wait and retry when the broker fails."""
    while True:
        try:
            n = await relay_once(engine, transport, relay_id, batch_size)
        except Exception as error:  # broker down: the claimed rows stay claimed
            print(f"relay {relay_id}: {type(error).__name__}: {error}")
            await _release(engine, relay_id)
            await asyncio.sleep(retry)
            continue
        if n == 0:
            await asyncio.sleep(idle)


async def _release(engine: AsyncEngine, relay_id: str) -> None:
    """Give back what this relay claimed and could not send, for the next try."""
    async with engine.begin() as connection:
        await connection.execute(
            update(messages)
            .where(messages.c.claimed_by == relay_id, messages.c.sent_at.is_(None))
            .values(claimed_by=None, claimed_at=None)
        )


def monotonic_ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)
