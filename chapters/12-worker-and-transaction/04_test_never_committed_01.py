import asyncio
from collections.abc import AsyncIterator
from functools import partial
from typing import Self

import pytest
from celery import Celery
from messagebus import (
    AsyncAbstractEventstreamTransport,
    AsyncEventstreamPublisher,
    AsyncMessageBus,
    AsyncSinkholeEventstreamTransport,
    AsyncUnitOfWorkTransaction,
)
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from reading_club.adapters.sql.message_store import SqlMessageStore
from reading_club.adapters.sql.repositories import SqlBookRepository
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.entrypoints.books import register_and_index
from reading_club.service.unit_of_work import AbstractUnitOfWork

from effects import assert_indexed, assert_looked_up
from probing import probe
from processes import Workers


class SavepointUnitOfWork(AbstractUnitOfWork):
    """A unit of work inside the test's own transaction: each of its
    transactions is a savepoint, and its commit releases the savepoint."""

    books: SqlBookRepository
    messagestore: SqlMessageStore
    savepoint: AsyncTransaction

    def __init__(
        self, connection: AsyncConnection, transport: AsyncAbstractEventstreamTransport
    ) -> None:
        self.connection = connection
        self.publisher = AsyncEventstreamPublisher(transport)

    async def __aenter__(self) -> AsyncUnitOfWorkTransaction[Self]:
        self.savepoint = await self.connection.begin_nested()
        self.books = SqlBookRepository(self.connection)
        self.messagestore = SqlMessageStore(self.connection, self.publisher)
        return await super().__aenter__()

    async def commit(self) -> None:
        await self.savepoint.commit()

    async def rollback(self) -> None:
        await self.savepoint.rollback()


@pytest.fixture
async def test_transaction(
    shared_engine: AsyncEngine,
) -> AsyncIterator[AsyncConnection]:
    """The whole test in one transaction, rolled back at the end: a popular
    way to leave the database clean, without deleting anything."""
    async with shared_engine.connect() as connection:
        await connection.begin()
        yield connection
        await connection.rollback()


async def test_the_catalogue_finds_the_book_registered_by_a_test(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    test_transaction: AsyncConnection,
    club_celery: Celery,
    workers: Workers,
    reader: Engine,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    # The event stream is not the point here: its transport drops the events.
    uow = SavepointUnitOfWork(test_transaction, AsyncSinkholeEventstreamTransport())
    await register_and_index(register_dune, bus=bus, uow=uow, celery=club_celery)

    looked = partial(assert_looked_up, workers.catalogue, dune)
    await asyncio.to_thread(probe, looked, 5.0)
    assert_indexed(reader, workers.catalogue, dune)
