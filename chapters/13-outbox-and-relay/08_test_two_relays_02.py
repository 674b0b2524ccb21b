import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from lastuuid import uuid7
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.outbox import claim, claim_batch, relay_batch
from reading_club.routes import ROUTES

from fake_celery import FakeCeleryClient

EVENTS = 500
BATCH_SIZE = 10


async def store_events(engine: AsyncEngine, count: int) -> None:
    """Store ``count`` BookRegistered events, not sent yet, as the bus would."""
    rows = [
        {
            "message_id": uuid7(),
            "created_at": datetime.now(UTC),
            "name": "book_registered",
            "schema_version": 1,
            "published": True,
            "payload": {"id": str(uuid7()), "title": f"Book {number}"},
        }
        for number in range(count)
    ]
    async with engine.begin() as connection:
        await connection.execute(tables.messages.insert(), rows)


async def relay_until_done(
    engine: AsyncEngine, relay: str, client: FakeCeleryClient
) -> None:
    transport = CeleryTransport(client, ROUTES)
    while (
        await relay_batch(engine, transport, relay=relay, batch_size=BATCH_SIZE)
    ).claimed:
        pass


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
async def test_two_relays_never_send_the_same_message(
    shared_engine: AsyncEngine,
) -> None:
    await store_events(shared_engine, EVENTS)
    first, second = FakeCeleryClient(), FakeCeleryClient()

    await asyncio.gather(
        relay_until_done(shared_engine, "relay-1", first),
        relay_until_done(shared_engine, "relay-2", second),
    )

    sent = Counter(task.task_id for task in [*first.sent, *second.sent])
    twice = [task_id for task_id, times in sent.items() if times > 1]
    assert twice == [], f"{len(twice)} tasks were sent more than once"
    assert len(sent) == EVENTS * 2, "each event goes to two consumers"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_relay_claims_the_next_batch_while_another_is_claiming(
    shared_engine: AsyncEngine,
) -> None:
    await store_events(shared_engine, 2 * BATCH_SIZE)
    now = datetime.now(UTC)
    lease = now + timedelta(minutes=5)

    async with shared_engine.begin() as connection:
        # The first relay has claimed a batch, and not committed yet.
        first = (
            await connection.execute(claim("relay-1", now, lease, BATCH_SIZE))
        ).all()
        second = await asyncio.wait_for(
            claim_batch(shared_engine, "relay-2", BATCH_SIZE, lease=300), timeout=10
        )

    first_ids = {row.message_id for row in first}
    second_ids = {row.message_id for row in second}
    assert (len(first_ids), len(second_ids)) == (BATCH_SIZE, BATCH_SIZE)
    assert first_ids.isdisjoint(second_ids)
