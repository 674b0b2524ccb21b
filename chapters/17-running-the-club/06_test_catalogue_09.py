import uuid

import pytest
from lastuuid import uuid7
from sqlalchemy import Engine, select

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.catalogue import (
    books_counted,
    count_authors,
    index_book,
    is_indexed,
    title_of,
)

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@BOTH
def test_each_author_is_counted_once_per_book(empty_database: Engine) -> None:
    with empty_database.begin() as connection:
        count_authors(connection, ["Terry Pratchett", "Neil Gaiman"])
        count_authors(connection, ["Terry Pratchett"])
        count_authors(connection, ["Neil Gaiman", "Neil Gaiman"])

    with empty_database.connect() as connection:
        assert books_counted(connection, "Terry Pratchett") == 2
        assert books_counted(connection, "Neil Gaiman") == 2
        assert books_counted(connection, "Ursula K. Le Guin") == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sqlite_file_is_in_write_ahead_log_mode(empty_database: Engine) -> None:
    with empty_database.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"


@BOTH
def test_a_book_is_indexed_as_the_database_has_it(empty_database: Engine) -> None:
    book_id = uuid7()
    with empty_database.begin() as connection:
        connection.execute(
            tables.books.insert().values(
                id=book_id,
                title="Dune",
                authors=["Frank Herbert"],
                isbn="9780441013593",
            )
        )
        assert title_of(connection, uuid.uuid4()) is None
        title = title_of(connection, book_id)
        assert title == "Dune"
        assert not is_indexed(connection, book_id)
        index_book(connection, book_id, title, "A desert planet.")
        index_book(connection, book_id, title, "Spice.")  # again: rewritten
        assert is_indexed(connection, book_id)

    with empty_database.connect() as connection:
        rows = connection.execute(select(tables.search_index)).all()
    assert [tuple(row) for row in rows] == [(book_id, "Dune", "Spice.")]
