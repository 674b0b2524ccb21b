"""The unit of work over a SQL database: one connection per transaction."""

from types import TracebackType
from typing import Self

from messagebus import (
    AsyncAbstractEventstreamTransport,
    AsyncEventstreamPublisher,
    AsyncUnitOfWorkTransaction,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from reading_club.adapters.sql.message_store import SqlMessageStore
from reading_club.adapters.sql.repositories import SqlBookRepository
from reading_club.service.unit_of_work import AbstractUnitOfWork


class SqlUnitOfWork(AbstractUnitOfWork):
    """Each ``async with`` takes a connection from the engine, then gives it back.

    Once the transaction is committed or rolled back, its connection is
    closed, and so are the repositories on it: to read again, open a new
    ``async with``.

    The repositories work through the transaction's connection, so each
    transaction creates them, as attributes of the instance, where messagebus
    looks for them. An instance runs one transaction at a time.
    """

    books: SqlBookRepository
    messagestore: SqlMessageStore
    connection: AsyncConnection

    def __init__(
        self, engine: AsyncEngine, transport: AsyncAbstractEventstreamTransport
    ) -> None:
        self.engine = engine
        self.publisher = AsyncEventstreamPublisher(transport)

    async def __aenter__(self) -> AsyncUnitOfWorkTransaction[Self]:
        connection = await self.engine.connect()
        try:
            await connection.begin()
            self.connection = connection
            self.books = SqlBookRepository(connection)
            self.messagestore = SqlMessageStore(connection, self.publisher)
            return await super().__aenter__()
        except BaseException:
            await connection.close()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Let messagebus end the transaction, and make sure the connection is back.

        ``commit`` and ``rollback`` give the connection back themselves, before
        messagebus publishes the events: sending to a slow broker must not hold
        a connection of the pool. After a missing commit, which messagebus
        reports, closing the connection here rolls back what is still open.
        """
        try:
            await super().__aexit__(exc_type, exc, tb)
        finally:
            await self.connection.close()

    async def commit(self) -> None:
        """Commit, and give the connection back before messagebus publishes."""
        try:
            await self.connection.commit()
        finally:
            await self.connection.close()

    async def rollback(self) -> None:
        """Roll back, and give the connection back."""
        try:
            await self.connection.rollback()
        finally:
            await self.connection.close()
