"""Many messages, a service that fails now and then, some books it refuses:
each message ends applied once, or as one dead letter. And a worker killed
while it holds a retry until its countdown is over: the retry comes back."""

import asyncio
from collections.abc import Sequence
from functools import partial
from typing import Any

import redis
from sqlalchemy import Engine, select

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.catalogue import books_counted
from reading_club.adapters.sql.dead_letters import dead_letters
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.routes import CATALOGUE

from book_data_stand_in import BookDataStandIn
from catalogue import numbered_registration
from catalogue_workers import CatalogueWorkers, event_of, store_books
from effects import assert_counted, assert_indexed
from probing import probe
from processes import unfinished
from programs import Program

BOOKS = 40
REFUSED = range(0, BOOKS, 10)
"""The books the service does not know: 4 of the 40."""
TIMEOUT = 30.0


def assert_each_ended_once(reader: Engine, books: Sequence[RegisterBook]) -> None:
    """Each book indexed, or kept as a dead letter: one of the two, once."""
    with reader.connect() as connection:
        indexed = set(
            connection.execute(select(tables.search_index.c.book_id)).scalars()
        )
        letters = [letter.message["payload"] for letter in dead_letters(connection)]
        counts = [books_counted(connection, book.authors[0]) for book in books]
    kept = {book.id for book in books if any(str(book.id) in m for m in letters)}
    assert len(letters) == len(kept), "a book has two dead letters"
    assert not indexed & kept, "a book was indexed and kept as a dead letter"
    ended = len(indexed | kept)
    assert ended == len(books), f"{ended} books of {len(books)} ended"
    assert set(counts) == {1}, f"books counted per author: {counts}"
    refused = {books[number].id for number in REFUSED}
    assert refused <= kept, "a book the service refuses was not kept"


async def test_each_message_is_applied_once_or_kept_once(
    catalogue_workers: CatalogueWorkers,
    catalogue_transport: CeleryTransport,
    catalogue_redis_url: str,
    book_data: BookDataStandIn,
    reader: Engine,
) -> None:
    books = [
        numbered_registration(number, f"Book {number}", (f"Author {number}",))
        for number in range(BOOKS)
    ]
    store_books(reader, books)
    for number in REFUSED:
        book_data.refuses(books[number])
    book_data.fails_at_random(rate=0.3, seed=15)
    workers = catalogue_workers.start(2)

    for book in books:
        await catalogue_transport.send_message_serialized(event_of(book))

    ended = partial(assert_each_ended_once, reader, books)
    await asyncio.to_thread(probe, ended, TIMEOUT)
    # Then nothing is left to deliver, and it all still holds: a late copy
    # of a message did not end a second time.
    with redis.Redis.from_url(catalogue_redis_url) as broker:
        drained = partial(assert_drained, broker, workers)
        await asyncio.to_thread(probe, drained, TIMEOUT)
    assert_each_ended_once(reader, books)


async def test_a_worker_killed_while_it_holds_a_retry_loses_nothing(
    catalogue_workers: CatalogueWorkers,
    catalogue_transport: CeleryTransport,
    book_data: BookDataStandIn,
    reader: Engine,
    dune: Book,
    dune_registered: dict[str, Any],
) -> None:
    store_books(reader, [dune])
    book_data.fails(dune, status=503, times=1)
    # A retry after 1 to 2 s, half the redelivery timeout at most: time for
    # the test to kill the worker before the retry runs, with a margin for a
    # busy machine.
    catalogue_workers.env.update(
        CLUB_RETRY_DELAY="2", CLUB_RETRY_DELAY_MAX="2", CLUB_REDELIVERY_TIMEOUT="4"
    )
    [first] = catalogue_workers.start(1)
    await catalogue_transport.send_message_serialized(dune_registered)

    # The worker took the retry (Celery logs "received" once kombu has
    # recorded the message as taken), and waits for its countdown.
    message_id = dune_registered["id"]
    retry_taken = partial(assert_received, catalogue_workers, message_id, 2)
    await asyncio.to_thread(probe, retry_taken, TIMEOUT)
    first.kill()
    assert book_data.asked(dune) == 1, "the retry ran before the worker was killed"

    [second] = catalogue_workers.start(1)
    indexed = partial(assert_indexed, reader, second, dune)
    await asyncio.to_thread(probe, indexed, TIMEOUT)
    assert book_data.asked(dune) == 2
    assert_counted(reader, "Frank Herbert", 1)


def assert_received(workers: CatalogueWorkers, message_id: str, times: int) -> None:
    received = sum(workers.received(message_id))
    assert received == times, f"{message_id} received {received} times"


def assert_drained(broker: redis.Redis, workers: Sequence[Program]) -> None:
    """No message waits in the catalogue's queue, none is taken and
    unacknowledged in Redis, and each worker ended every message it
    took."""
    waiting, taken = broker.llen(CATALOGUE.queue), broker.hlen("unacked")
    assert (waiting, taken) == (0, 0), f"{waiting} waiting, {taken} taken"
    for worker in workers:
        held = unfinished(worker)
        assert held == 0, f"{worker.name} holds {held} messages"
