import pytest
from lastuuid import uuid7
from messagebus import AsyncMessageBus

from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book, BookId
from reading_club.service.unit_of_work import AbstractUnitOfWork

from fakes import (
    Database,
    EventStream,
    InMemoryBookRepository,
    InMemoryTransport,
    InMemoryUnitOfWork,
    MessageLog,
)


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
def books(database: Database) -> InMemoryBookRepository:
    return InMemoryBookRepository(database)


@pytest.fixture
def uow(
    database: Database, message_log: MessageLog, transport: InMemoryTransport
) -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(database, message_log, transport)


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
