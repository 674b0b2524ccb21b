"""Repositories: the collections the service layer keeps domain models in."""

import abc

from messagebus import AsyncAbstractRepository

from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.model import Book, BookId
from reading_club.domain.result import Ok, Result


class AbstractBookRepository(AsyncAbstractRepository[Book]):
    """The club's books, wherever they are stored.

    Implementations write ``_add`` and ``by_id`` for their storage and call
    ``super().__init__()``, which creates the ``seen`` list.
    """

    async def add(self, book: Book) -> Result[None, BookRepositoryError]:
        """Add a new book; it is then seen, so its messages will be collected."""
        result = await self._add(book)
        if isinstance(result, Ok):
            self.seen.append(book)
        return result

    @abc.abstractmethod
    async def _add(self, book: Book) -> Result[None, BookRepositoryError]:
        """Store a new book, or fail with the error of the rule it breaks."""

    @abc.abstractmethod
    async def by_id(self, book_id: BookId) -> Result[Book, BookRepositoryError]:
        """The book with this id, or ``not_found``."""
