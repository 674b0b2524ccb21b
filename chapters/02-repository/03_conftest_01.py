import pytest
from lastuuid import uuid7

from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.model import Book, BookId
from reading_club.domain.result import Err, Ok, Result
from reading_club.service.repositories import AbstractBookRepository


def stored_copy(book: Book) -> Book:
    """What storage keeps of a book: its fields, in an object of its own."""
    return Book.model_validate(book.model_dump())


class InMemoryBookRepository(AbstractBookRepository):
    """Books in a dict: a fast stand-in for a database in tests."""

    def __init__(self) -> None:
        self.books: dict[BookId, Book] = {}

    async def _add(self, book: Book) -> Result[None, BookRepositoryError]:
        if book.id in self.books:
            return Err(BookRepositoryError.already_registered)
        self.books[book.id] = stored_copy(book)
        return Ok(None)

    async def by_id(self, book_id: BookId) -> Result[Book, BookRepositoryError]:
        if book_id not in self.books:
            return Err(BookRepositoryError.not_found)
        return Ok(stored_copy(self.books[book_id]))


@pytest.fixture
def books() -> InMemoryBookRepository:
    return InMemoryBookRepository()


@pytest.fixture
def dune() -> Book:
    return Book(
        id=BookId(uuid7()),
        title="Dune",
        authors=["Frank Herbert"],
        isbn="9780441013593",
    )
