"""The book repository over one SQL connection and its transaction."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from reading_club.adapters.sql import tables
from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.model import Book, BookId
from reading_club.domain.result import Err, Ok, Result
from reading_club.service.repositories import AbstractBookRepository


class SqlBookRepository(AbstractBookRepository):
    """The rows of the ``books`` table, as the connection's transaction sees them."""

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__()
        self.connection = connection

    async def _add(self, book: Book) -> Result[None, BookRepositoryError]:
        insert = tables.books.insert().values(
            id=book.id, title=book.title, authors=book.authors, isbn=book.isbn
        )
        try:
            # If the INSERT fails, only the savepoint is rolled back and the
            # transaction goes on; PostgreSQL would otherwise refuse every
            # later statement of the transaction.
            async with self.connection.begin_nested():
                await self.connection.execute(insert)
        except IntegrityError:
            broken = await self._rule_broken_by(book)
            if broken is None:
                raise  # Not a rule of the catalogue: a bug, or a broken schema.
            return Err(broken)
        return Ok(None)

    async def _rule_broken_by(self, book: Book) -> BookRepositoryError | None:
        """Why the database refused ``book``: its id is taken, or its ISBN.

        The row that broke the rule may come from a transaction that committed
        after ours began. At READ COMMITTED, PostgreSQL's default, each query
        sees such a row; at a stricter level it would not, and the refusal
        would be raised as it came. SQLite lets one transaction write at a
        time, so there the row was committed before ours could write.
        """
        for column, value, error in (
            (tables.books.c.id, book.id, BookRepositoryError.already_registered),
            (tables.books.c.isbn, book.isbn, BookRepositoryError.isbn_taken),
        ):
            query = select(tables.books.c.id).where(column == value)
            if (await self.connection.execute(query)).first() is not None:
                return error
        return None

    async def by_id(self, book_id: BookId) -> Result[Book, BookRepositoryError]:
        query = select(tables.books).where(tables.books.c.id == book_id)
        row = (await self.connection.execute(query)).one_or_none()
        if row is None:
            return Err(BookRepositoryError.not_found)
        return Ok(
            Book(
                id=BookId(row.id),
                title=row.title,
                authors=list(row.authors),
                isbn=row.isbn,
            )
        )
