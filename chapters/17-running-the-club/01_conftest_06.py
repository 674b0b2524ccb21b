from collections.abc import AsyncIterator

import pytest
from lastuuid import uuid7
from messagebus import AsyncAbstractEventstreamTransport, AsyncMessageBus
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.adapters.sql.engine import create_engine
from reading_club.adapters.sql.migrations import migrate
from reading_club.adapters.sql.repositories import SqlBookRepository
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book, BookId
from reading_club.service.repositories import AbstractBookRepository
from reading_club.service.unit_of_work import AbstractUnitOfWork

from fakes import (
    Database,
    EventStream,
    InMemoryBookRepository,
    InMemoryTransport,
    InMemoryUnitOfWork,
    MessageLog,
)

pytest_plugins = [
    "catalogue",
    "programs",
    "broker",
    "club_database",
    "postgres",
    "processes",
    "catalogue_workers",
    "sigterm",
    "book_data_stand_in",
    "failing_dune",
]


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
    database: Database,
    message_log: MessageLog,
    transport: AsyncAbstractEventstreamTransport,
) -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(database, message_log, transport)


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    """A new in-memory SQLite database, migrated to the club's schema."""
    engine = create_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(migrate)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sql_books(engine: AsyncEngine) -> AsyncIterator[SqlBookRepository]:
    """A book repository in a transaction that is never committed."""
    async with engine.connect() as connection:
        await connection.begin()
        yield SqlBookRepository(connection)


@pytest.fixture
def sql_uow(
    engine: AsyncEngine, transport: AsyncAbstractEventstreamTransport
) -> SqlUnitOfWork:
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
    return bootstrap.message_bus()


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
