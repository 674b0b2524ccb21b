"""The unit of work over a SQL database: one connection per transaction."""

from types import TracebackType
from typing import Self

from messagebus import (
    AsyncAbstractEventstreamTransport,
    AsyncEventstreamPublisher,
    AsyncSinkholeMessageStoreRepository,
    AsyncUnitOfWorkTransaction,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from reading_club.adapters.sql.repositories import SqlBookRepository
from reading_club.service.unit_of_work import AbstractUnitOfWork


class SqlUnitOfWork(AbstractUnitOfWork):
    """Each ``async with`` takes a connection from the engine, then gives it back.

    The repositories work through the transaction's connection, so each
    transaction creates them, as attributes of the instance, where messagebus
    looks for them. An instance runs one transaction at a time.
    """

    books: SqlBookRepository
    messagestore: AsyncSinkholeMessageStoreRepository
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
            self.messagestore = AsyncSinkholeMessageStoreRepository(self.publisher)
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
        """Let messagebus end the transaction, then give the connection back.

        Closing the connection rolls back what is still open: after a missing
        commit, which messagebus reports, nothing is left behind.
        """
        try:
            await super().__aexit__(exc_type, exc, tb)
        finally:
            await self.connection.close()

    async def commit(self) -> None:
        await self.connection.commit()

    async def rollback(self) -> None:
        await self.connection.rollback()
