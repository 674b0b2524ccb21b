"""Looking for lost messages, on both databases: which messages the relay
sends again, to whom, how often, and when it gives up."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from lastuuid import uuid7
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_engine
from reading_club.adapters.sql.lost_messages import Look, send_lost_messages
from reading_club.adapters.sql.migrations import migrate
from reading_club.routes import CATALOGUE, NOTIFICATIONS, ROUTES
from reading_club.task_ids import task_id_for

from fake_celery import FakeCeleryClient

LOST_AFTER = 60.0
LOST_WITHIN = 3600.0
ROUTES_WITH_NEWS = {**ROUTES, "club_news_v1": (NOTIFICATIONS,)}
"""The club's routes, and a message type that the catalogue does not get."""


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


async def look(club: AsyncEngine, celery: FakeCeleryClient, waiting: int = 0) -> Look:
    """One look for the catalogue's lost messages, its queue holding
    ``waiting`` messages."""
    return await send_lost_messages(
        club,
        CeleryTransport(celery, ROUTES_WITH_NEWS),
        CATALOGUE,
        waiting_in=lambda queue: waiting,
        lost_after=LOST_AFTER,
        lost_within=LOST_WITHIN,
    )


async def sent_minutes_ago(
    club: AsyncEngine,
    minutes: float | None,
    *,
    name: str = "book_registered",
    published: bool = True,
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
                name=name,
                schema_version=2 if name == "book_registered" else 1,
                published=published,
                payload={"id": str(uuid7()), "title": "Dune"},
                sent_at=sent_at,
            )
        )
    return message_id


async def in_inbox(club: AsyncEngine, message_id: uuid.UUID, *, finished: bool) -> None:
    """The catalogue received the message: it finished it, or not yet."""
    now = datetime.now(UTC)
    async with club.begin() as connection:
        await connection.execute(
            tables.inbox.insert().values(
                message_id=message_id,
                consumer=CATALOGUE.queue,
                received_at=now,
                finished_at=now if finished else None,
            )
        )


async def a_while_passes(club: AsyncEngine) -> None:
    """As if LOST_AFTER had passed since each message was last sent again."""
    earlier = datetime.now(UTC) - timedelta(seconds=LOST_AFTER + 1)
    async with club.begin() as connection:
        await connection.execute(update(tables.resends).values(last_sent_at=earlier))


async def test_a_message_the_catalogue_never_finished_is_sent_to_it_again(
    club: AsyncEngine, celery: FakeCeleryClient
) -> None:
    lost = await sent_minutes_ago(club, 5)
    # Counted in the catalogue's first transaction; lost before its last.
    counted_only = await sent_minutes_ago(club, 5)
    await in_inbox(club, counted_only, finished=False)

    assert (await look(club, celery)).sent == [lost, counted_only]
    assert {(task.name, task.queue) for task in celery.sent} == {
        (CATALOGUE.task, CATALOGUE.queue)  # not the mailing service's too
    }
    assert celery.sent[0].task_id == task_id_for(str(lost), CATALOGUE.queue)
    # Not again before another LOST_AFTER has passed.
    assert (await look(club, celery)).sent == []


async def test_only_the_catalogue_s_unfinished_messages_in_the_window_are_lost(
    club: AsyncEngine, celery: FakeCeleryClient
) -> None:
    # A hundred messages of a type the catalogue never gets, sent first,
    # must not fill the look and hide the lost one behind them.
    for _ in range(100):
        await sent_minutes_ago(club, 6, name="club_news")
    lost = await sent_minutes_ago(club, 5)
    finished = await sent_minutes_ago(club, 5)
    await in_inbox(club, finished, finished=True)
    given_up = await sent_minutes_ago(club, 5)
    await sent_minutes_ago(club, 0.5)  # not late enough to be lost
    await sent_minutes_ago(club, 120)  # older than the look goes back
    await sent_minutes_ago(club, None)  # not sent: the relay's own work
    await sent_minutes_ago(club, 5, published=False)  # a command
    now = datetime.now(UTC)
    async with club.begin() as connection:
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

    assert (await look(club, celery)).sent == [lost]


async def test_a_message_sent_again_three_times_becomes_a_dead_letter(
    club: AsyncEngine, celery: FakeCeleryClient
) -> None:
    lost = await sent_minutes_ago(club, 5)
    for _ in range(3):
        assert (await look(club, celery)).sent == [lost]
        await a_while_passes(club)

    last = await look(club, celery)

    assert (last.sent, last.given_up) == ([], [lost])
    async with club.connect() as connection:
        letter = (await connection.execute(select(tables.dead_letters))).one()
    assert (letter.message_id, letter.consumer) == (lost, CATALOGUE.queue)
    assert letter.error == "sent 4 times, never finished by catalogue"
    assert (await look(club, celery)).given_up == []  # a dead letter now


async def test_nothing_is_lost_while_messages_wait_in_the_queue(
    club: AsyncEngine, celery: FakeCeleryClient
) -> None:
    lost = await sent_minutes_ago(club, 5)

    assert await look(club, celery, waiting=3) == Look(skipped=True)
    assert (await look(club, celery, waiting=0)).sent == [lost]


async def test_a_message_the_broker_refused_is_sent_at_the_next_look(
    club: AsyncEngine, celery: FakeCeleryClient
) -> None:
    lost = await sent_minutes_ago(club, 5)
    celery.broker_is_up = False

    assert (await look(club, celery)).sent == []

    celery.broker_is_up = True
    assert (await look(club, celery)).sent == [lost]
