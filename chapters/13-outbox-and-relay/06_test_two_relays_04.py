import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest
from lastuuid import uuid7
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.outbox import relay_batch
from reading_club.entrypoints.relay import ROUTES

from fake_celery import FakeCeleryClient

EVENTS = 500
BATCH_SIZE = 10


@pytest.fixture(params=["sqlite", "postgresql"])
def outbox_engine(request: pytest.FixtureRequest) -> AsyncEngine:
    """The club's database, once on a SQLite file, once on PostgreSQL."""
    fixture = {"sqlite": "shared_engine", "postgresql": "postgres_engine"}
    engine: AsyncEngine = request.getfixturevalue(fixture[request.param])
    return engine


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


async def relay_until_done(engine: AsyncEngine, client: FakeCeleryClient) -> None:
    transport = CeleryTransport(client, ROUTES)
    while await relay_batch(engine, transport, BATCH_SIZE):
        pass


async def test_two_relays_never_send_the_same_message(
    outbox_engine: AsyncEngine,
) -> None:
    await store_events(outbox_engine, EVENTS)
    first, second = FakeCeleryClient(), FakeCeleryClient()

    await asyncio.gather(
        relay_until_done(outbox_engine, first),
        relay_until_done(outbox_engine, second),
    )

    sent = Counter(task.task_id for task in [*first.sent, *second.sent])
    twice = [task_id for task_id, times in sent.items() if times > 1]
    assert twice == [], f"{len(twice)} tasks were sent more than once"
    assert len(sent) == EVENTS * 2, "each event goes to two consumers"
