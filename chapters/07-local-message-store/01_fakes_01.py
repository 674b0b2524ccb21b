"""In-memory adapters for the tests: fakes that fail where the real ones fail."""

from collections.abc import Mapping
from typing import Any, Self

from messagebus import (
    AsyncAbstractEventstreamTransport,
    AsyncEventstreamPublisher,
    AsyncSinkholeMessageStoreRepository,
    AsyncUnitOfWorkTransaction,
)

from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.model import Book, BookId
from reading_club.domain.result import Err, Ok, Result
from reading_club.service.repositories import AbstractBookRepository
from reading_club.service.unit_of_work import AbstractUnitOfWork

Database = dict[BookId, Book]
"""The committed books, shared by every repository, as a database would be."""

EventStream = list[Mapping[str, Any]]
"""The serialized messages that reached the event stream, oldest first."""


def stored_copy(book: Book) -> Book:
    """What storage keeps of a book: its fields, in an object of its own."""
    return Book.model_validate(book.model_dump())


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
        self.pending[book.id] = stored_copy(book)
        return Ok(None)

    async def by_id(self, book_id: BookId) -> Result[Book, BookRepositoryError]:
        book = self.pending.get(book_id, self.committed.get(book_id))
        if book is None:
            return Err(BookRepositoryError.not_found)
        return Ok(stored_copy(book))

    def commit(self) -> None:
        self.committed.update(self.pending)
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

    def __init__(
        self, database: Database, transport: AsyncAbstractEventstreamTransport
    ) -> None:
        self.database = database
        self.publisher = AsyncEventstreamPublisher(transport)

    async def __aenter__(self) -> AsyncUnitOfWorkTransaction[Self]:
        """Start from the committed books, with repositories of its own."""
        self.books = InMemoryBookRepository(self.database)
        self.messagestore = AsyncSinkholeMessageStoreRepository(self.publisher)
        return await super().__aenter__()

    async def commit(self) -> None:
        self.books.commit()

    async def rollback(self) -> None:
        self.books.rollback()
