"""What the catalogue's inbox says of a message: received by its first
step, finished by its last one only; and what a copy of a message that was
counted, and never finished, does."""

import asyncio
import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Any

from celery import Celery
from messagebus import AsyncMessageBus
from sqlalchemy import Engine, Row, select
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.catalogue import count_authors
from reading_club.adapters.sql.wire import wire_format
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.entrypoints.books import register_book
from reading_club.routes import CATALOGUE, ROUTES
from reading_club.service.unit_of_work import AbstractUnitOfWork

from book_data_stand_in import BookDataStandIn
from catalogue import registration
from effects import assert_counted, assert_dead_letter, assert_indexed
from probing import probe
from processes import Workers

TIMEOUT = 10.0
"""Seconds the catalogue may take to handle a message: it needs
milliseconds, or a few retries of 0.05 to 0.2 s before a dead letter."""


async def test_a_message_is_finished_by_the_catalogue_s_last_step_only(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    shared_engine: AsyncEngine,
    reader: Engine,
    workers: Workers,
    club_celery: Celery,
    book_data: BookDataStandIn,
) -> None:
    dune = registration("Dune", ["Frank Herbert"], "9780441013593")
    book_data.refuses(dune)  # the last step fails: a dead letter
    event = await registered(dune, bus, shared_engine)

    send_to_the_catalogue(club_celery, event)

    letter = partial(assert_dead_letter, reader, book_of(dune))
    await asyncio.to_thread(probe, letter, TIMEOUT)
    assert_counted(reader, "Frank Herbert", 1)  # by the first step
    assert finished_at(reader, event.message_id) is None


async def test_a_copy_of_a_counted_message_indexes_its_book_and_counts_nothing(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    shared_engine: AsyncEngine,
    reader: Engine,
    workers: Workers,
    club_celery: Celery,
) -> None:
    dune = registration("Dune", ["Frank Herbert"], "9780441013593")
    event = await registered(dune, bus, shared_engine)
    # What the catalogue's first step left, before the message of its last
    # step was lost: the message received, the book counted, no index.
    with reader.begin() as connection:
        connection.execute(
            tables.inbox.insert().values(
                message_id=event.message_id,
                consumer=CATALOGUE.queue,
                received_at=datetime.now(UTC),
            )
        )
        count_authors(connection, ["Frank Herbert"])

    send_to_the_catalogue(club_celery, event)

    finished = partial(assert_finished, reader, event.message_id)
    await asyncio.to_thread(probe, finished, TIMEOUT)
    assert_indexed(reader, workers.catalogue, book_of(dune))
    assert_counted(reader, "Frank Herbert", 1)


async def registered(
    command: RegisterBook,
    bus: AsyncMessageBus[AbstractUnitOfWork],
    engine: AsyncEngine,
) -> Row[Any]:
    """Register the book, with no relay running: its event, stored unsent."""
    await register_book(command, bus=bus, uow=bootstrap.request_unit_of_work(engine))
    query = select(tables.messages).where(tables.messages.c.published)
    async with engine.connect() as connection:
        return (await connection.execute(query)).one()


def send_to_the_catalogue(celery: Celery, event: Row[Any]) -> None:
    CeleryTransport(celery, ROUTES).send_to(CATALOGUE, wire_format(event))


def book_of(command: RegisterBook) -> Book:
    return Book(
        id=command.id, title=command.title, authors=command.authors, isbn=command.isbn
    )


def finished_at(reader: Engine, message_id: uuid.UUID) -> datetime | None:
    query = select(tables.inbox.c.finished_at).where(
        tables.inbox.c.message_id == message_id
    )
    with reader.connect() as connection:
        found: datetime | None = connection.scalar(query)
    return found


def assert_finished(reader: Engine, message_id: uuid.UUID) -> None:
    assert finished_at(reader, message_id), "the catalogue has not finished it"
