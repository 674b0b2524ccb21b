"""Database state for the tests: a catalogue replayed through the bus."""

import pytest
from lastuuid import uuid7
from messagebus import AsyncMessageBus

from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book, BookId
from reading_club.domain.result import Ok
from reading_club.service.unit_of_work import AbstractUnitOfWork

from fakes import EventStream


def registration(title: str, authors: list[str], isbn: str) -> RegisterBook:
    """A command registering a new book, with an id of its own."""
    return RegisterBook(id=BookId(uuid7()), title=title, authors=authors, isbn=isbn)


def numbered_registration(
    number: int, title: str, authors: tuple[str, ...] = ("Anonymous",)
) -> RegisterBook:
    """A command registering a new book, with ISBN 978 and the number on nine
    digits, and the check digit that makes the ISBN valid."""
    digits = f"978{number:09d}"
    weighted = sum(int(digit) * (1, 3)[i % 2] for i, digit in enumerate(digits))
    return registration(title, list(authors), digits + str(-weighted % 10))


HYPERION = registration("Hyperion", ["Dan Simmons"], "9780553283686")

FOUNDATION = registration("Foundation", ["Isaac Asimov"], "9780553293357")

DUNE_MESSIAH = registration("Dune Messiah", ["Frank Herbert"], "9780593098233")


@pytest.fixture(
    params=[
        pytest.param([], id="empty"),
        pytest.param([HYPERION], id="one-book"),
        pytest.param([HYPERION, FOUNDATION, DUNE_MESSIAH], id="three-books"),
    ]
)
async def catalogue(
    request: pytest.FixtureRequest,
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    event_stream: EventStream,
) -> list[Book]:
    """The books the club already has, registered through the bus, one by one.

    The test's unit of work starts from this state, once for each list of
    commands in ``params``. The events of the replay were announced before
    the test began: the event stream starts empty.
    """
    commands: list[RegisterBook] = request.param
    books: list[Book] = []
    for command in commands:
        async with uow as transaction:
            result = await bus.handle(command, transaction)
            await transaction.commit()
        match result:
            case Ok(Book() as book):
                books.append(book)
            case _:
                raise AssertionError(f"replaying {command!r} gave {result!r}")
    event_stream.clear()
    return books
