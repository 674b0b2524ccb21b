import asyncio
from functools import partial

from sqlalchemy import Engine

from reading_club.domain.model import Book

from book_data_stand_in import BookDataStandIn
from effects import assert_counted, assert_indexed
from probing import probe
from processes import Workers

TIMEOUT = 3.0
"""Seconds the programs may take to index a book, retries included: two
retries, after 0.05 and 0.1 s at most, with the tests' settings."""


async def test_a_short_outage_of_the_book_data_service_only_delays_the_index(
    flaky: BookDataStandIn, registered: Book, workers: Workers, reader: Engine
) -> None:
    indexed = partial(assert_indexed, reader, workers.catalogue, registered)
    await asyncio.to_thread(probe, indexed, TIMEOUT)

    assert flaky.asked(registered) == 3
    assert_counted(reader, "Frank Herbert", 1)
