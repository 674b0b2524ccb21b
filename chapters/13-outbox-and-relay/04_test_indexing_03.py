import asyncio
from functools import partial

from messagebus import AsyncMessageBus
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Ok
from reading_club.entrypoints.books import register_book
from reading_club.service.unit_of_work import AbstractUnitOfWork

from effects import assert_indexed
from probing import probe
from processes import Workers
from programs import Program

TIMEOUT = 5.0


async def test_the_catalogue_finds_every_book_it_hears_of(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    shared_engine: AsyncEngine,
    relay: Program,
    workers: Workers,
    reader: Engine,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    # The relay reads what is committed, and nothing else: the catalogue
    # cannot hear of a book before the book is in the database.
    uow = bootstrap.request_unit_of_work(shared_engine)
    assert await register_book(register_dune, bus=bus, uow=uow) == Ok(dune)

    # The index itself, not the worker's log: a worker may log before its
    # transaction commits.
    indexed = partial(assert_indexed, reader, workers.catalogue, dune)
    await asyncio.to_thread(probe, indexed, TIMEOUT)
