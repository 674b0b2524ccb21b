from collections.abc import AsyncIterator, Mapping
from typing import Any, Self

import pytest
from lastuuid import uuid7
from messagebus import (
    AsyncAbstractEventstreamTransport,
    AsyncAbstractMessageStoreRepository,
    AsyncEventstreamPublisher,
    AsyncMessageBus,
    AsyncUnitOfWorkTransaction,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.repositories import SqlBookRepository
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book, BookId
from reading_club.domain.result import Err, Ok, Result
from reading_club.service.repositories import AbstractBookRepository
from reading_club.service.unit_of_work import AbstractUnitOfWork

Database = dict[BookId, Book]
"""The committed books, shared by every repository, as a database would be."""

MessageLog = list[Message[Any]]
"""The committed messages, shared by every message store."""

EventStream = list[Mapping[str, Any]]
"""The serialized messages that reached the event stream, oldest first."""


class InMemoryBookRepository(AbstractBookRepository):
    """Books in a dict: writes stay pending until the transaction commits."""

    def __init__(self, database: Database) -> None:
        super().__init__()
        self.committed = database
        self.pending: Database = {}

    async def _add(self, book: Book) -> Result[None, BookRepositoryError]:
        known = [*self.committed.values(), *self.pending.values()]
        if any(other.id == book.id for other in known):
            return Err(BookRepositoryError.already_registered)
        if any(other.isbn == book.isbn for other in known):
            return Err(BookRepositoryError.isbn_taken)
        self.pending[book.id] = book
        return Ok(None)

    async def by_id(self, book_id: BookId) -> Result[Book, BookRepositoryError]:
        book = self.pending.get(book_id, self.committed.get(book_id))
        if book is None:
            return Err(BookRepositoryError.not_found)
        return Ok(book)

    def commit(self) -> None:
        self.committed.update(self.pending)
        self.pending.clear()

    def rollback(self) -> None:
        self.pending.clear()


class InMemoryMessageStore(AsyncAbstractMessageStoreRepository):
    """Every message the bus handled, kept when the transaction commits."""

    def __init__(
        self, message_log: MessageLog, publisher: AsyncEventstreamPublisher
    ) -> None:
        super().__init__(publisher)
        self.committed = message_log
        self.pending: MessageLog = []

    async def _add(self, message: Message[Any]) -> None:
        stored = [*self.committed, *self.pending]
        if all(other.message_id != message.message_id for other in stored):
            self.pending.append(message)

    def commit(self) -> None:
        self.committed.extend(self.pending)
        self.pending.clear()

    def rollback(self) -> None:
        self.pending.clear()


class InMemoryTransport(AsyncAbstractEventstreamTransport):
    """Sends messages to a list that plays the event stream."""

    def __init__(self, event_stream: EventStream) -> None:
        self.event_stream = event_stream

    async def send_message_serialized(self, message: Mapping[str, Any]) -> None:
        self.event_stream.append(message)


class InMemoryUnitOfWork(AbstractUnitOfWork):
    """A unit of work over in-memory repositories, with real rollbacks."""

    books: InMemoryBookRepository
    messagestore: InMemoryMessageStore

    def __init__(
        self,
        database: Database,
        message_log: MessageLog,
        transport: AsyncAbstractEventstreamTransport,
    ) -> None:
        self.database = database
        self.message_log = message_log
        self.publisher = AsyncEventstreamPublisher(transport)

    async def __aenter__(self) -> AsyncUnitOfWorkTransaction[Self]:
        """Start from the committed state, with repositories of its own."""
        self.books = InMemoryBookRepository(self.database)
        self.messagestore = InMemoryMessageStore(self.message_log, self.publisher)
        return await super().__aenter__()

    async def commit(self) -> None:
        self.books.commit()
        self.messagestore.commit()

    async def rollback(self) -> None:
        self.books.rollback()
        self.messagestore.rollback()


@pytest.fixture
def database() -> Database:
    return {}


@pytest.fixture
def message_log() -> MessageLog:
    return []


@pytest.fixture
def event_stream() -> EventStream:
    return []


@pytest.fixture
def transport(event_stream: EventStream) -> InMemoryTransport:
    return InMemoryTransport(event_stream)


@pytest.fixture
def in_memory_books(database: Database) -> InMemoryBookRepository:
    return InMemoryBookRepository(database)


@pytest.fixture
def in_memory_uow(
    database: Database, message_log: MessageLog, transport: InMemoryTransport
) -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(database, message_log, transport)


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    """A new in-memory SQLite database, with the club's tables."""
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(tables.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sql_books(engine: AsyncEngine) -> AsyncIterator[SqlBookRepository]:
    """A book repository in a transaction that is never committed."""
    async with engine.connect() as connection:
        await connection.begin()
        yield SqlBookRepository(connection)


@pytest.fixture
def sql_uow(engine: AsyncEngine, transport: InMemoryTransport) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine, transport)


@pytest.fixture(params=["in_memory", "sql"])
def books(request: pytest.FixtureRequest) -> AbstractBookRepository:
    """The book repository, once for each implementation."""
    books: AbstractBookRepository = request.getfixturevalue(f"{request.param}_books")
    return books


@pytest.fixture(params=["in_memory", "sql"])
def uow(request: pytest.FixtureRequest) -> AbstractUnitOfWork:
    """The unit of work, once for each implementation."""
    uow: AbstractUnitOfWork = request.getfixturevalue(f"{request.param}_uow")
    return uow


@pytest.fixture
def bus() -> AsyncMessageBus[AbstractUnitOfWork]:
    bus = AsyncMessageBus[AbstractUnitOfWork]()
    bus.scan("reading_club.service.handlers")
    return bus


@pytest.fixture
def dune() -> Book:
    return Book(
        id=BookId(uuid7()),
        title="Dune",
        authors=["Frank Herbert"],
        isbn="9780441013593",
    )


@pytest.fixture
def register_dune(dune: Book) -> RegisterBook:
    return RegisterBook(
        id=dune.id, title=dune.title, authors=dune.authors, isbn=dune.isbn
    )
