"""What the consumers did, read where they did it: the club's catalogue in the
club's database, the mailing service's stand-in in its log. Each assertion
says what it found, for the probes that retry it."""

from sqlalchemy import Engine

from reading_club.adapters.sql.catalogue import books_counted
from reading_club.domain.messages import RegisterBook

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
