import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from lastuuid import uuid7
from sqlalchemy import Engine, select

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.inbox import first_delivery, prune_inbox

from catalogue_workers import CatalogueWorkers
from effects import assert_counted
from holding import Hold
from probing import probe, probe_never

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)

TIMEOUT = 5.0
LOCKED_OUT = 0.3
"""Seconds to watch the second worker wait for the first one's transaction.
SQLite gives up after 5 s (its busy timeout): release the hold well before."""


@BOTH
async def test_two_workers_with_the_same_message_at_once_count_it_once(
    catalogue_workers: CatalogueWorkers,
    hold: Hold,
    catalogue_transport: CeleryTransport,
    reader: Engine,
    dune_registered: dict[str, Any],
) -> None:
    # The test sends the message twice itself; Redis gives back none of the
    # messages that a held worker has taken.
    catalogue_workers.env["CLUB_REDELIVERY_TIMEOUT"] = "60"
    catalogue_workers.start(2)
    hold.arm("before_commit")
    for _ in range(2):
        await catalogue_transport.send_message_serialized(dune_registered)
    await asyncio.to_thread(hold.wait_until_holding, TIMEOUT)

    # One worker holds its transaction open; the other has the message too,
    # and cannot finish: its INSERT into the inbox waits for the first.
    message_id = dune_registered["id"]
    both = partial(assert_taken_by_both, catalogue_workers, message_id)
    await asyncio.to_thread(probe, both, TIMEOUT)
    waiting = partial(assert_no_duplicate, catalogue_workers, message_id)
    await asyncio.to_thread(probe_never, waiting, LOCKED_OUT)
    hold.release()

    finished = partial(catalogue_workers.assert_finished, message_id, 2)
    await asyncio.to_thread(probe, finished, TIMEOUT)
    assert_counted(reader, "Frank Herbert", 1)
    assert catalogue_workers.duplicates(message_id) == 1


def assert_taken_by_both(workers: CatalogueWorkers, message_id: str) -> None:
    received = workers.received(message_id)
    assert all(received), f"{message_id} taken by each worker: {received}"


def assert_no_duplicate(workers: CatalogueWorkers, message_id: str) -> None:
    assert workers.duplicates(message_id) == 0, "the second worker did not wait"


@BOTH
def test_a_message_is_a_first_delivery_once_per_consumer(
    empty_database: Engine,
) -> None:
    message_id = uuid7()
    with empty_database.begin() as connection:
        assert first_delivery(connection, message_id, "catalogue")
    with empty_database.begin() as connection:
        assert not first_delivery(connection, message_id, "catalogue")
        assert first_delivery(connection, message_id, "notifications")


class WorkerFailed(Exception):
    """The effect failed: its transaction is rolled back."""


@BOTH
def test_a_rolled_back_effect_leaves_the_message_to_come_again(
    empty_database: Engine,
) -> None:
    message_id = uuid7()
    with pytest.raises(WorkerFailed), empty_database.begin() as connection:
        assert first_delivery(connection, message_id, "catalogue")
        raise WorkerFailed

    with empty_database.begin() as connection:
        again = first_delivery(connection, message_id, "catalogue")
    assert again, "the inbox kept a message whose effect was rolled back"


@BOTH
def test_pruning_forgets_the_messages_received_before_the_cutoff(
    empty_database: Engine,
) -> None:
    now = datetime.now(UTC)
    old, older, recent = uuid7(), uuid7(), uuid7()
    with empty_database.begin() as connection:
        connection.execute(
            tables.inbox.insert(),
            [
                received(old, now - timedelta(days=8)),
                received(older, now - timedelta(days=9)),
                received(recent, now - timedelta(days=6)),
            ],
        )

    cutoff = now - timedelta(days=7)
    assert prune_inbox(empty_database, cutoff, batch_size=1) == 2

    with empty_database.connect() as connection:
        kept = connection.execute(select(tables.inbox.c.message_id)).scalars().all()
    assert kept == [recent]


def received(message_id: uuid.UUID, at: datetime) -> dict[str, Any]:
    return {"message_id": message_id, "consumer": "catalogue", "received_at": at}
