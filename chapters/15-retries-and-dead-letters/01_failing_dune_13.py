"""Dune, registered through the club's relay to its workers, while the
book-data service fails for it: now and then, for longer than the retries,
or for good."""

import pytest
from messagebus import AsyncMessageBus
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Ok
from reading_club.entrypoints.books import register_book
from reading_club.service.unit_of_work import AbstractUnitOfWork

from book_data_stand_in import BookDataStandIn
from processes import Workers
from programs import Program


@pytest.fixture
def flaky(book_data: BookDataStandIn, dune: Book) -> BookDataStandIn:
    book_data.fails(dune, status=503, times=2)  # Two attempts, of four.
    return book_data


@pytest.fixture
def unavailable(book_data: BookDataStandIn, dune: Book) -> BookDataStandIn:
    book_data.fails(dune, status=503, times=4)  # A first attempt, and 3 retries.
    return book_data


@pytest.fixture
def refused(book_data: BookDataStandIn, dune: Book) -> BookDataStandIn:
    book_data.refuses(dune)  # It does not know Dune's ISBN: a 404, for good.
    return book_data


@pytest.fixture
async def registered(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    shared_engine: AsyncEngine,
    relay: Program,
    workers: Workers,
    register_dune: RegisterBook,
    dune: Book,
) -> Book:
    """Dune, registered: the relay sends the event to the session's workers.
    A test that makes the service fail asks for that fixture first."""
    uow = bootstrap.request_unit_of_work(shared_engine)
    assert await register_book(register_dune, bus=bus, uow=uow) == Ok(dune)
    return dune
