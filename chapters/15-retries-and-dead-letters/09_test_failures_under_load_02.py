"""Many messages, a service that fails now and then, some books it refuses,
and a worker killed while retries wait: each message ends applied once, or
as one dead letter."""

import asyncio
from collections.abc import Sequence
from functools import partial

import redis
from messagebus.service.eventstream import MessageSerializer
from sqlalchemy import Engine, select

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.catalogue import books_counted
from reading_club.adapters.sql.dead_letters import dead_letters
from reading_club.domain.messages import BookRegistered, RegisterBook
from reading_club.routes import CATALOGUE

from book_data_stand_in import BookDataStandIn
from catalogue import numbered_registration
from catalogue_workers import CatalogueWorkers
from probing import probe
from programs import Program

BOOKS = 40
REFUSED = range(0, BOOKS, 10)
"""The books the service does not know: 4 of the 40."""
TIMEOUT = 30.0


def store(reader: Engine, books: Sequence[RegisterBook]) -> None:
    """The books, in the club's database, as their registrations left them."""
    rows = [
        {"id": book.id, "title": book.title, "authors": book.authors, "isbn": book.isbn}
        for book in books
    ]
    with reader.begin() as connection:
        connection.execute(tables.books.insert(), rows)


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
    store(reader, books)
    for number in REFUSED:
        book_data.refused[books[number].isbn] = 404
    book_data.fails_at_random(rate=0.3, seed=15)
    # Retries that wait longer, up to half the redelivery timeout (1 s): a
    # worker holds some, for a while, when it is killed.
    catalogue_workers.env.update(CLUB_RETRY_DELAY="0.25", CLUB_RETRY_DELAY_MAX="0.5")
    first, _ = catalogue_workers.start(2)

    for book in books:
        event = BookRegistered(
            id=book.id, title=book.title, authors=book.authors, isbn=book.isbn
        )
        message = MessageSerializer().serialize_message(event)
        await catalogue_transport.send_message_serialized(message)

    # Kill a worker while it holds a retry until its time comes: what it
    # holds comes back to the others after the redelivery timeout.
    await asyncio.to_thread(probe, partial(assert_holding_a_retry, first), TIMEOUT)
    first.kill()
    catalogue_workers.start(1)

    ended = partial(assert_each_ended_once, reader, books)
    await asyncio.to_thread(probe, ended, TIMEOUT)
    # Then nothing is left to deliver, and it all still holds: a late copy
    # of a message did not end a second time.
    with redis.Redis.from_url(catalogue_redis_url) as broker:
        await asyncio.to_thread(probe, partial(assert_drained, broker), TIMEOUT)
    assert_each_ended_once(reader, books)


def assert_drained(broker: redis.Redis) -> None:
    """No message waits in the catalogue's queue, or in a worker's hands."""
    waiting, taken = broker.llen(CATALOGUE.queue), broker.hlen("unacked")
    assert (waiting, taken) == (0, 0), f"{waiting} waiting, {taken} taken"


def assert_holding_a_retry(worker: Program) -> None:
    """The worker took two messages more than it ended: with the solo pool,
    one of them at least waits for its countdown."""
    taken = len(worker.lines_with("] received"))
    ended = sum(len(worker.lines_with(end)) for end in ("succeeded in", "] retry:"))
    assert taken - ended >= 2, f"{worker.name} took {taken} messages, ended {ended}"
