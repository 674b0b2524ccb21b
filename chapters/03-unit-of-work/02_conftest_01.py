import pytest
from lastuuid import uuid7

from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.model import Book, BookId
from reading_club.domain.result import Err, Ok, Result
from reading_club.service.repositories import AbstractBookRepository
from reading_club.service.unit_of_work import AbstractUnitOfWork

Database = dict[BookId, Book]
"""The committed books, shared by every repository, as a database would be."""


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
        if book.id in self.pending or book.id in self.committed:
            return Err(BookRepositoryError.already_registered)
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


class InMemoryUnitOfWork(AbstractUnitOfWork):
    """A unit of work over in-memory repositories, with real rollbacks."""

    books: InMemoryBookRepository

    def __init__(self, database: Database) -> None:
        self.books = InMemoryBookRepository(database)

    async def commit(self) -> None:
        self.books.commit()

    async def rollback(self) -> None:
        self.books.rollback()


@pytest.fixture
def database() -> Database:
    return {}


@pytest.fixture
def books(database: Database) -> InMemoryBookRepository:
    return InMemoryBookRepository(database)


@pytest.fixture
def uow(database: Database) -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(database)


@pytest.fixture
def dune() -> Book:
    return Book(
        id=BookId(uuid7()),
        title="Dune",
        authors=["Frank Herbert"],
        isbn="9780441013593",
    )
