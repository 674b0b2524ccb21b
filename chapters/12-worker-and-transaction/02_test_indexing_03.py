import asyncio
from collections.abc import Awaitable, Callable
from functools import partial

from celery import Celery
from messagebus import AsyncAbstractEventstreamTransport, AsyncMessageBus
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Ok
from reading_club.entrypoints.books import register_and_index
from reading_club.routes import INDEX_BOOK, ROUTES
from reading_club.service.unit_of_work import AbstractUnitOfWork

from effects import assert_indexed, assert_looked_up, looked_up
from probing import probe, probe_never
from processes import Workers

TIMEOUT = 5.0
"""Seconds the catalogue may take to look a book up: it needs milliseconds."""

ITS_CHANCE = 0.5
"""Seconds the catalogue is given to look a book up too early."""


class SlowCommitUnitOfWork(SqlUnitOfWork):
    """The SQL unit of work, whose commit first awaits ``before_commit``: the
    transaction stays open meanwhile, as a slow request's would."""

    def __init__(
        self,
        engine: AsyncEngine,
        transport: AsyncAbstractEventstreamTransport,
        before_commit: Callable[[], Awaitable[None]],
    ) -> None:
        super().__init__(engine, transport)
        self.before_commit = before_commit

    async def commit(self) -> None:
        await self.before_commit()
        await super().commit()


async def test_the_catalogue_finds_the_book_it_is_asked_to_index(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    shared_engine: AsyncEngine,
    club_celery: Celery,
    workers: Workers,
    reader: Engine,
    published: list[tuple[str, str]],
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    async def give_the_catalogue_its_chance() -> None:
        """Before the commit: if the catalogue was asked already, wait until it
        has looked; if not, make sure that it does not look."""
        if (INDEX_BOOK.task, INDEX_BOOK.queue) in published:
            looked = partial(assert_looked_up, workers.catalogue, dune)
            await asyncio.to_thread(probe, looked, TIMEOUT)
        else:
            nothing = partial(looked_up_nothing, workers, dune)
            await asyncio.to_thread(probe_never, nothing, ITS_CHANCE)

    transport = CeleryTransport(club_celery, ROUTES)
    uow = SlowCommitUnitOfWork(shared_engine, transport, give_the_catalogue_its_chance)
    result = await register_and_index(
        register_dune, bus=bus, uow=uow, celery=club_celery
    )
    assert result == Ok(dune)

    looked = partial(assert_looked_up, workers.catalogue, dune)
    await asyncio.to_thread(probe, looked, TIMEOUT)
    assert_indexed(reader, workers.catalogue, dune)


def looked_up_nothing(workers: Workers, book: Book) -> None:
    assert looked_up(workers.catalogue, book) == [], "the catalogue looked too early"
