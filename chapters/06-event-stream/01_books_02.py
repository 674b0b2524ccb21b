"""Service handlers for the catalogue of books."""

from messagebus import AsyncUnitOfWorkTransaction, async_listen

from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.messages import BookRegistered, RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Err, Ok, Result
from reading_club.service.unit_of_work import AbstractUnitOfWork


# messagebus types the second parameter as the unit of work itself, but what
# the bus passes is the transaction: tell mypy that this is on purpose.
@async_listen  # type: ignore[type-var]
async def register_book(
    command: RegisterBook,
    transaction: AsyncUnitOfWorkTransaction[AbstractUnitOfWork],
) -> Result[Book, BookRepositoryError]:
    """Add a book to the catalogue, unless its id or its ISBN is already there."""
    book = Book(
        id=command.id,
        title=command.title,
        authors=command.authors,
        isbn=command.isbn,
    )
    book.messages.append(
        BookRegistered(
            id=book.id, title=book.title, authors=book.authors, isbn=book.isbn
        )
    )
    match await transaction.uow.books.add(book):
        case Ok():
            return Ok(book)
        case Err(error):
            return Err(error)
