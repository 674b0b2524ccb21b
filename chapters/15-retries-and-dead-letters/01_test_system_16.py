"""The club as it runs outside the tests: each program a process of its own."""

import asyncio
from functools import partial
from pathlib import Path

import pytest
import redis
from messagebus import AsyncMessageBus
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.domain.result import Ok
from reading_club.entrypoints.books import register_book
from reading_club.service.unit_of_work import AbstractUnitOfWork

from catalogue import numbered_registration
from effects import assert_counted, assert_indexed
from probing import probe
from processes import club_relay, club_worker
from programs import start_together, stop_together

TIMEOUT = 10.0
"""Seconds the programs may take to index a book: they need milliseconds."""

BOOKS = {
    "Good Omens": ("Terry Pratchett", "Neil Gaiman"),
    "Mort": ("Terry Pratchett",),
    "Coraline": ("Neil Gaiman",),
}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_clubs_programs_count_the_books_registered(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    shared_engine: AsyncEngine,
    reader: Engine,
    redis_url: str,
    database_url: str,
    book_data_url: str,
    tmp_path: Path,
) -> None:
    broker_url = redis_url.removesuffix("/0") + "/2"  # no test's worker reads it
    with redis.Redis.from_url(broker_url) as client:
        client.flushdb()
    env = {
        "CLUB_DATABASE_URL": database_url,
        "CLUB_BROKER_URL": broker_url,
        "CLUB_BOOK_DATA_URL": book_data_url,
    }
    # As production starts them: the worker with a prefork pool, and no hooks.
    worker = club_worker("worker", tmp_path, env, "--concurrency=2")
    relay = club_relay("relay", tmp_path, env)
    try:
        start_together([worker, relay])
        uow = bootstrap.request_unit_of_work(shared_engine)
        for number, (title, authors) in enumerate(BOOKS.items()):
            command = numbered_registration(number, title, authors)
            result = await register_book(command, bus=bus, uow=uow)
            assert isinstance(result, Ok), result
            indexed = partial(assert_indexed, reader, worker, result.value)
            await asyncio.to_thread(probe, indexed, TIMEOUT)
    finally:
        stop_together([worker, relay])
    assert_counted(reader, "Terry Pratchett", 2)
    assert_counted(reader, "Neil Gaiman", 2)
