"""Service handlers for the catalogue of books."""

from messagebus import AsyncUnitOfWorkTransaction

from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Result
from reading_club.service.unit_of_work import AbstractUnitOfWork


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
    raise NotImplementedError
