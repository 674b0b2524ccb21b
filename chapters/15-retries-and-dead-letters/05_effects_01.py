"""What the consumers did, read where they did it: the club's catalogue in the
club's database, the mailing service's stand-in in its log. Each assertion
says what it found, for the probes that retry it."""

import json

from sqlalchemy import Engine, select

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.catalogue import books_counted
from reading_club.adapters.sql.dead_letters import DeadLetter, dead_letters
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.routes import CATALOGUE

from book_data_stand_in import summary_of
from notifications_stand_in import SENT
from programs import Program


def assert_counted(reader: Engine, author: str, books: int) -> None:
    with reader.connect() as connection:
        counted = books_counted(connection, author)
    assert counted == books, f"the catalogue counts {counted} books of {author}"


def notified(notifications: Program) -> list[str]:
    """The ids of the books that the members were told of, in order."""
    lines = notifications.lines_with(SENT)
    return [line.split(SENT)[1].split()[0] for line in lines]


def assert_notified(
    notifications: Program, command: RegisterBook, times: int = 1
) -> None:
    told = notified(notifications).count(str(command.id))
    assert told == times, f"the members were told of {command.title} {told} times"


def looked_up(catalogue: Program, book: Book) -> list[str]:
    """What the catalogue's worker logged each time it indexed ``book``, the
    book named by its title, without the time and the process of each line."""
    lines = catalogue.lines_with(f"book {book.id} ")
    return [line.partition("] ")[2].replace(str(book.id), book.title) for line in lines]


def assert_looked_up(catalogue: Program, book: Book) -> None:
    assert looked_up(catalogue, book), f"the catalogue has not looked {book.title} up"


def assert_indexed(reader: Engine, catalogue: Program, book: Book) -> None:
    index = tables.search_index
    query = select(index.c.title, index.c.summary).where(index.c.book_id == book.id)
    with reader.connect() as connection:
        row = connection.execute(query).first()
    found = None if row is None else tuple(row)
    assert found == (book.title, summary_of(book.isbn)), (
        f"the search index has {found!r} for {book.title}; the catalogue logged: "
        f"{looked_up(catalogue, book)}"
    )


def assert_dead_letter(
    reader: Engine, book: Book, attempts: int | None = None
) -> DeadLetter:
    """The catalogue's one dead letter, of ``book``'s registration, after
    ``attempts`` attempts (or any number)."""
    with reader.connect() as connection:
        letters = dead_letters(connection)
    found = [(letter.message["type"], letter.attempts) for letter in letters]
    assert len(letters) == 1, f"dead letters (type, attempts): {found}"
    [letter] = letters
    assert json.loads(letter.message["payload"])["id"] == str(book.id), found
    assert letter.consumer == CATALOGUE.queue, found
    assert attempts in (None, letter.attempts), found
    return letter
