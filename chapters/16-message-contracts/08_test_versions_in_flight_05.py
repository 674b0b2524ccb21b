"""Two versions in flight: the club publishes ``book_registered_v2``, while
messages of ``v1`` still wait in the outbox, in the queues, and among the
dead letters."""

import asyncio
from functools import partial
from typing import Any

from messagebus.service.eventstream import MessageSerializer
from sqlalchemy import Engine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.message_store import ENVELOPE
from reading_club.domain.legacy_messages import BookRegisteredV1
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.routes import CATALOGUE

from book_data_stand_in import BookDataStandIn
from catalogue_workers import CatalogueWorkers, store_books
from effects import assert_counted, assert_dead_letter, assert_indexed, assert_notified
from probing import probe
from processes import Workers
from programs import Program

TIMEOUT = 3.0
"""Seconds the programs may take to handle a message."""


def v1_of(book: Book) -> BookRegisteredV1:
    """``book``'s registration, as the club published it before v2."""
    return BookRegisteredV1(
        id=book.id, title=book.title, authors=book.authors, isbn=book.isbn
    )


async def test_a_v1_message_still_in_a_queue_is_counted_and_indexed(
    catalogue_workers: CatalogueWorkers,
    catalogue_transport: CeleryTransport,
    book_data: BookDataStandIn,
    reader: Engine,
    dune: Book,
) -> None:
    store_books(reader, [dune])
    [worker] = catalogue_workers.start(1)
    message = MessageSerializer().serialize_message(v1_of(dune))

    await catalogue_transport.send_message_serialized(message)

    indexed = partial(assert_indexed, reader, worker, dune)
    await asyncio.to_thread(probe, indexed, TIMEOUT)
    assert_counted(reader, "Frank Herbert", 1)


async def test_a_v1_message_left_in_the_outbox_reaches_both_consumers(
    book_data: BookDataStandIn,
    empty_database: Engine,
    reader: Engine,
    workers: Workers,
    relay: Program,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    store_books(reader, [dune])
    event = v1_of(dune)
    row = {
        "message_id": event.message_id,
        "created_at": event.created_at,
        "name": "book_registered",
        "schema_version": 1,
        "published": True,
        "payload": event.model_dump(mode="json", exclude=ENVELOPE),
    }
    with reader.begin() as connection:  # as the bus stored it before v2
        connection.execute(tables.messages.insert(), row)

    notified = partial(assert_notified, workers.notifications, register_dune)
    await asyncio.to_thread(probe, notified, TIMEOUT)
    indexed = partial(assert_indexed, reader, workers.catalogue, dune)
    await asyncio.to_thread(probe, indexed, TIMEOUT)


async def test_a_consumer_deployed_after_the_producer_keeps_v2_until_it_reads_it(
    catalogue_workers: CatalogueWorkers,
    catalogue_transport: CeleryTransport,
    book_data: BookDataStandIn,
    reader: Engine,
    dune: Book,
    dune_registered: dict[str, Any],
) -> None:
    store_books(reader, [dune])
    [old] = catalogue_workers.start(1, include=["reads_v1_only"])

    await catalogue_transport.send_message_serialized(dune_registered)

    kept = partial(assert_dead_letter, reader, dune, attempts=1)
    letter = await asyncio.to_thread(probe, kept, TIMEOUT)
    assert letter.error.endswith(
        "an unknown version of book_registered: book_registered_v2 "
        "(reads book_registered_v1)')"
    )
    assert_counted(reader, "Frank Herbert", 0)

    old.stop()
    [new] = catalogue_workers.start(1)  # the consumer, deployed at last
    # What the operator's replay sends (chapter 15): the message, as kept.
    catalogue_transport.send_to(CATALOGUE, letter.message)

    indexed = partial(assert_indexed, reader, new, dune)
    await asyncio.to_thread(probe, indexed, TIMEOUT)
    assert_counted(reader, "Frank Herbert", 1)
