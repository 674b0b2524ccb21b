"""The catalogue's share of the database: the books of each author, and the
search index, which the club's worker writes.

Workers run no event loop: these functions take a synchronous connection,
and run the same on SQLite and on PostgreSQL.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.dml import Insert as PostgresqlInsert
from sqlalchemy.dialects.sqlite.dml import Insert as SqliteInsert

from reading_club.adapters.sql import tables


def upsert(connection: Connection, table: Table) -> PostgresqlInsert | SqliteInsert:
    """An INSERT into ``table`` that can say what to do when the key is
    taken (``on_conflict_do_update``).

    SQL has no portable upsert, but SQLite and PostgreSQL both write it
    ``INSERT … ON CONFLICT``, and SQLAlchemy gives each dialect its own
    ``insert``: the connection's dialect chooses which one compiles.
    """
    match connection.dialect.name:
        case "postgresql":
            return postgresql.insert(table)
        case "sqlite":
            return sqlite.insert(table)
        case other:
            raise ValueError(f"the club has no upsert for {other}")


def count_authors(connection: Connection, authors: Iterable[str]) -> None:
    """Add one book to each author's count, in one statement per author.

    An upsert needs no read before the write, which another worker could
    overtake. The authors are counted in one order in every transaction:
    two transactions that lock the same rows in opposite orders could
    deadlock, on PostgreSQL.
    """
    counts = tables.author_books
    for author in sorted(set(authors)):
        insert = upsert(connection, counts).values(author=author, books=1)
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=[counts.c.author], set_={"books": counts.c.books + 1}
            )
        )


def books_counted(connection: Connection, author: str) -> int:
    """The books that the catalogue counts for ``author``."""
    counts = tables.author_books
    query = select(counts.c.books).where(counts.c.author == author)
    return connection.execute(query).scalar_one_or_none() or 0


def title_of(connection: Connection, book_id: uuid.UUID) -> str | None:
    """The title of the book ``book_id``, as the database has it, if it does."""
    query = select(tables.books.c.title).where(tables.books.c.id == book_id)
    title: str | None = connection.execute(query).scalar_one_or_none()
    return title


def index_book(
    connection: Connection, book_id: uuid.UUID, title: str, summary: str
) -> None:
    """Write the book's row of the search index, or write it again."""
    index = tables.search_index
    insert = upsert(connection, index).values(
        book_id=book_id, title=title, summary=summary
    )
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=[index.c.book_id],
            set_={"title": insert.excluded.title, "summary": insert.excluded.summary},
        )
    )


def is_indexed(connection: Connection, book_id: uuid.UUID) -> bool:
    """Whether the search index has the book ``book_id`` already."""
    index = tables.search_index
    query = select(index.c.book_id).where(index.c.book_id == book_id)
    return connection.execute(query).first() is not None


def every_count(connection: Connection) -> list[tuple[str, int]]:
    """Each author the catalogue counted, with their books, by name."""
    counts = tables.author_books
    query = select(counts.c.author, counts.c.books).order_by(counts.c.author)
    return [(author, books) for author, books in connection.execute(query)]
