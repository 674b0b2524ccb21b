"""Service handlers for the catalogue of books."""

from messagebus import AsyncUnitOfWorkTransaction, async_listen

from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.messages import Author, BookRegistered, RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Err, Ok, Result
from reading_club.service.repositories import AbstractBookRepository
from reading_club.service.unit_of_work import AbstractUnitOfWork


# messagebus types the second parameter as the unit of work itself, but what
# the bus passes is the transaction: tell mypy that this is on purpose.
@async_listen  # type: ignore[type-var]
async def register_book(
    command: RegisterBook,
    transaction: AsyncUnitOfWorkTransaction[AbstractUnitOfWork],
) -> Result[Book, BookRepositoryError]:
    """Add a book to the catalogue.

    Registering again a book that is already in the catalogue, as it is
    there, succeeds: that is a client retrying. Another book under the same
    id is ``already_registered``; another book with the same ISBN,
    ``isbn_taken``.
    """
    books = transaction.uow.books
    book = Book(
        id=command.id,
        title=command.title,
        authors=command.authors,
        isbn=command.isbn,
    )
    book.messages.append(
        BookRegistered(
            id=book.id,
            title=book.title,
            authors=[Author(name=name) for name in book.authors],
            isbn=book.isbn,
        )
    )
    match await books.add(book):
        case Ok():
            return Ok(book)
        case Err(BookRepositoryError.already_registered):
            return await _registered_as_asked(books, book)
        case Err(error):
            return Err(error)


async def _registered_as_asked(
    books: AbstractBookRepository, book: Book
) -> Result[Book, BookRepositoryError]:
    """The book under this id, if it is the one asked for: a retry succeeds."""
    match await books.by_id(book.id):
        case Ok(registered) if registered == book:
            return Ok(registered)
        case _:
            return Err(BookRepositoryError.already_registered)
