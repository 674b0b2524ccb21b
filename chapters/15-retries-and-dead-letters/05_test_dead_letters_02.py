import asyncio
from collections.abc import Iterator
from functools import partial

import pytest
from sqlalchemy import Engine

from reading_club.adapters.sql import tables
from reading_club.domain.model import Book

from book_data_stand_in import BookDataStandIn
from effects import assert_counted, assert_dead_letter
from probing import probe, probe_never
from processes import Workers
from programs import Program

TIMEOUT = 3.0
"""Seconds the programs may take to give up on a book, retries included:
three retries, after 0.05, 0.1 and 0.2 s at most, with the tests' settings."""

QUIET = 1.0
"""Seconds of quiet that show that nobody retries: the longest retry the
tests' settings allow waits 0.2 s."""


def assert_asked(book_data: BookDataStandIn, book: Book, times: int) -> None:
    asked = book_data.asked(book)
    assert asked == times, f"the service was asked about {book.title} {asked} times"


async def test_a_book_the_service_refuses_is_kept_at_once(
    refused: BookDataStandIn, registered: Book, reader: Engine
) -> None:
    kept = partial(assert_dead_letter, reader, registered, attempts=1)
    letter = await asyncio.to_thread(probe, kept, TIMEOUT)

    assert letter.error.startswith("BookDataRefused('answered 404")
    asked_once = partial(assert_asked, refused, registered, 1)
    await asyncio.to_thread(probe_never, asked_once, QUIET)
    assert_counted(reader, "Frank Herbert", 1)


async def test_a_book_still_unavailable_after_its_retries_is_kept(
    unavailable: BookDataStandIn, registered: Book, reader: Engine
) -> None:
    kept = partial(assert_dead_letter, reader, registered, attempts=4)
    letter = await asyncio.to_thread(probe, kept, TIMEOUT)

    assert letter.error == f"BookDataUnavailable('answered 503 for {registered.isbn}')"
    asked_four_times = partial(assert_asked, unavailable, registered, 4)
    await asyncio.to_thread(probe_never, asked_four_times, QUIET)


@pytest.fixture
def no_dead_letters_table(empty_database: Engine) -> Iterator[Engine]:
    """The database refuses every dead letter, until the test creates the
    table again."""
    tables.dead_letters.drop(empty_database)
    yield empty_database
    tables.dead_letters.create(empty_database, checkfirst=True)


def assert_not_kept(worker: Program, times: int) -> None:
    refusals = len(worker.lines_with("could not be kept as a dead letter"))
    assert refusals >= times, (
        f"{worker.name} was refused a dead letter {refusals} times"
    )


async def test_a_dead_letter_the_database_refuses_is_kept_once_it_can(
    refused: BookDataStandIn,
    no_dead_letters_table: Engine,
    registered: Book,
    workers: Workers,
    reader: Engine,
) -> None:
    refusals = partial(assert_not_kept, workers.catalogue, 2)
    await asyncio.to_thread(probe, refusals, TIMEOUT)

    tables.dead_letters.create(reader)

    kept = partial(assert_dead_letter, reader, registered)
    letter = await asyncio.to_thread(probe, kept, TIMEOUT)
    assert letter.attempts >= 3, "kept after the attempts that it was refused"
