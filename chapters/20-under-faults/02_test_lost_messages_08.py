"""Looking for lost messages, on both databases: which messages the relay
sends again, to whom, and how often."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from celery import Celery
from lastuuid import uuid7
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.broker_queues import waiting_in
from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_engine
from reading_club.adapters.sql.lost_messages import send_lost_messages
from reading_club.adapters.sql.migrations import migrate
from reading_club.routes import CATALOGUE, ROUTES
from reading_club.settings import Settings, SettingsError
from reading_club.task_ids import task_id_for

from fake_celery import FakeCeleryClient

LOST_AFTER = 60.0
LOST_WITHIN = 3600.0


@pytest.fixture
async def club(new_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(new_database_url)
    async with engine.begin() as connection:
        await connection.run_sync(migrate)
    yield engine
    await engine.dispose()


@pytest.fixture
def celery() -> FakeCeleryClient:
    return FakeCeleryClient()


async def look(
    club: AsyncEngine, celery: FakeCeleryClient, waiting: int = 0
) -> list[uuid.UUID]:
    """One look for the catalogue's lost messages, the queue holding
    ``waiting`` messages."""
    return await send_lost_messages(
        club,
        CeleryTransport(celery, ROUTES),
        CATALOGUE,
        waiting_in=lambda queue: waiting,
        lost_after=LOST_AFTER,
        lost_within=LOST_WITHIN,
    )


async def sent_minutes_ago(
    club: AsyncEngine, minutes: float | None, *, published: bool = True
) -> uuid.UUID:
    """A message the relay sent ``minutes`` ago (None: not sent yet)."""
    message_id = uuid7()
    sent_at = (
        None if minutes is None else datetime.now(UTC) - timedelta(minutes=minutes)
    )
    async with club.begin() as connection:
        await connection.execute(
            tables.messages.insert().values(
                message_id=message_id,
                created_at=datetime.now(UTC) - timedelta(hours=2),
                name="book_registered",
                schema_version=2,
                published=published,
                payload={"id": str(uuid7()), "title": "Dune"},
                sent_at=sent_at,
            )
        )
    return message_id


async def test_a_message_the_catalogue_never_handled_is_sent_to_it_again(
    club: AsyncEngine, celery: FakeCeleryClient
) -> None:
    lost = await sent_minutes_ago(club, 5)

    assert await look(club, celery) == [lost]
    [task] = celery.sent  # to the catalogue, not to the mailing service too
    assert (task.name, task.queue) == (CATALOGUE.task, CATALOGUE.queue)
    assert task.task_id == task_id_for(str(lost), CATALOGUE.queue)
    # It counts as sent now: not again before another LOST_AFTER.
    assert await look(club, celery) == []
    async with club.connect() as connection:
        sent_at = await connection.scalar(
            select(tables.messages.c.sent_at).where(
                tables.messages.c.message_id == lost
            )
        )
    assert sent_at is not None
    assert datetime.now(UTC) - sent_at < timedelta(seconds=LOST_AFTER)


async def test_only_messages_sent_and_never_handled_in_the_window_are_lost(
    club: AsyncEngine, celery: FakeCeleryClient
) -> None:
    lost = await sent_minutes_ago(club, 5)
    handled = await sent_minutes_ago(club, 5)
    given_up = await sent_minutes_ago(club, 5)
    await sent_minutes_ago(club, 0.5)  # not late enough to be lost
    await sent_minutes_ago(club, 120)  # older than the look goes back
    await sent_minutes_ago(club, None)  # not sent: the relay's own work
    await sent_minutes_ago(club, 5, published=False)  # a command
    now = datetime.now(UTC)
    async with club.begin() as connection:
        await connection.execute(
            tables.inbox.insert().values(
                message_id=handled, consumer=CATALOGUE.queue, received_at=now
            )
        )
        await connection.execute(  # handled by another consumer only
            tables.inbox.insert().values(
                message_id=lost, consumer="another", received_at=now
            )
        )
        await connection.execute(
            tables.dead_letters.insert().values(
                message_id=given_up,
                consumer=CATALOGUE.queue,
                message={},
                error="ValueError()",
                traceback="",
                attempts=9,
                first_failed_at=now,
                last_failed_at=now,
            )
        )

    assert await look(club, celery) == [lost]


async def test_nothing_is_lost_while_messages_wait_in_the_queue(
    club: AsyncEngine, celery: FakeCeleryClient
) -> None:
    lost = await sent_minutes_ago(club, 5)

    assert await look(club, celery, waiting=3) == []  # late, maybe; not lost
    assert await look(club, celery, waiting=0) == [lost]


async def test_a_message_the_broker_refused_is_sent_at_the_next_look(
    club: AsyncEngine, celery: FakeCeleryClient
) -> None:
    lost = await sent_minutes_ago(club, 5)
    celery.broker_is_up = False

    assert await look(club, celery) == []

    celery.broker_is_up = True
    assert await look(club, celery) == [lost]


def test_redis_says_how_many_messages_wait_in_a_queue(
    club_celery: Celery, redis_url: str
) -> None:
    queue = f"nobody-reads-{uuid7()}"
    assert waiting_in(club_celery, queue) == 0  # Redis has no empty lists
    for _ in range(2):
        club_celery.send_task("nobody.runs_this", queue=queue)
    try:
        assert waiting_in(club_celery, queue) == 2
    finally:
        with redis.Redis.from_url(redis_url) as client:
            client.delete(queue)


def test_a_look_that_ends_before_it_begins_is_refused() -> None:
    environ = {
        "CLUB_DATABASE_URL": "sqlite:////var/lib/club/club.sqlite",
        "CLUB_BROKER_URL": "redis://localhost:6379/0",
        "CLUB_LOST_AFTER": "3600",
        "CLUB_LOST_WITHIN": "600",
    }
    with pytest.raises(SettingsError, match="CLUB_LOST_WITHIN=600 must be more"):
        Settings.from_environment(environ)
