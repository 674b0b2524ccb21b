import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
import sqlalchemy
from lastuuid import uuid7
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_sync_engine
from reading_club.adapters.sql.inbox import first_delivery, prune_inbox

from catalogue_workers import CatalogueWorkers, books_counted
from effects import Effects
from holding import Hold
from probing import probe, probe_never

TIMEOUT = 5.0
"""Seconds a worker may take to reach a point of its task: it needs
milliseconds, unless it is broken."""

LOCKED_OUT = 0.3
"""Seconds to watch the second worker wait for the first one's transaction.
SQLite gives up after 5 s (its busy timeout): release the hold well before."""


async def test_two_workers_with_the_same_message_at_once_count_it_once(
    catalogue_workers: CatalogueWorkers,
    hold: Hold,
    catalogue_transport: CeleryTransport,
    catalogue_effects: Effects,
    shared_engine: AsyncEngine,
    dune_registered: dict[str, Any],
) -> None:
    catalogue_workers.start(2)
    hold.arm("before_commit")
    for _ in range(2):
        await catalogue_transport.send_message_serialized(dune_registered)
    await asyncio.to_thread(hold.wait_until_holding, TIMEOUT)

    # One worker holds its transaction open; the other has the message too,
    # and cannot finish: its INSERT into the inbox waits for the first.
    message_id = dune_registered["id"]
    both = partial(assert_taken_by_two_workers, catalogue_effects, message_id)
    await asyncio.to_thread(probe, both, TIMEOUT)
    none_ended = partial(catalogue_effects.assert_handled, "catalogue", message_id, 0)
    await asyncio.to_thread(probe_never, none_ended, LOCKED_OUT)
    hold.release()

    # Under load a third delivery may come (the visibility timeout is 1 s
    # here): what must hold is one effect, and the rest duplicates.
    handled = partial(assert_one_effect_and_duplicates, catalogue_effects, message_id)
    await asyncio.to_thread(probe, handled, TIMEOUT)
    books = await books_counted(shared_engine, "Frank Herbert")
    assert books == 1, f"Frank Herbert counted {books} times for one book"


def assert_one_effect_and_duplicates(effects: Effects, message_id: str) -> None:
    effects_made = effects.message_ids("catalogue").count(message_id)
    duplicates = len(effects.duplicates("catalogue", message_id))
    assert (effects_made, duplicates >= 1) == (1, True), (
        f"{effects_made} effects and {duplicates} duplicates"
    )


def assert_taken_by_two_workers(effects: Effects, message_id: str) -> None:
    pids = effects.deliveries("catalogue", message_id)
    assert len(set(pids)) == 2, f"{message_id} went to the workers {pids}"


@pytest.fixture
def inbox_engine() -> Iterator[sqlalchemy.Engine]:
    """A new in-memory SQLite database, with the club's tables."""
    engine = create_sync_engine("sqlite://")
    tables.metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_a_message_is_a_first_delivery_once_per_consumer(
    inbox_engine: sqlalchemy.Engine,
) -> None:
    message_id = uuid7()
    with inbox_engine.begin() as connection:
        assert first_delivery(connection, message_id, "catalogue")
    with inbox_engine.begin() as connection:
        assert not first_delivery(connection, message_id, "catalogue")
        assert first_delivery(connection, message_id, "notifications")


class WorkerFailed(Exception):
    """The effect failed: its transaction is rolled back."""


def test_a_rolled_back_effect_leaves_the_message_to_come_again(
    inbox_engine: sqlalchemy.Engine,
) -> None:
    message_id = uuid7()
    with pytest.raises(WorkerFailed), inbox_engine.begin() as connection:
        assert first_delivery(connection, message_id, "catalogue")
        raise WorkerFailed

    with inbox_engine.begin() as connection:
        again = first_delivery(connection, message_id, "catalogue")
    assert again, "the inbox kept a message whose effect was rolled back"


def test_pruning_forgets_the_messages_received_before_the_cutoff(
    inbox_engine: sqlalchemy.Engine,
) -> None:
    now = datetime.now(UTC)
    old, recent = uuid7(), uuid7()
    with inbox_engine.begin() as connection:
        connection.execute(
            tables.inbox.insert(),
            [
                received(old, now - timedelta(days=8)),
                received(recent, now - timedelta(days=6)),
            ],
        )
        assert prune_inbox(connection, received_before=now - timedelta(days=7)) == 1

    with inbox_engine.connect() as connection:
        kept = connection.execute(select(tables.inbox.c.message_id)).scalars().all()
    assert kept == [recent]


def received(message_id: uuid.UUID, at: datetime) -> dict[str, Any]:
    return {"message_id": message_id, "consumer": "catalogue", "received_at": at}
