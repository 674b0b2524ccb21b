import asyncio
from collections.abc import Awaitable, Callable
from functools import partial

from celery import Celery
from messagebus import AsyncAbstractEventstreamTransport, AsyncMessageBus
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Ok
from reading_club.entrypoints.books import INDEX_BOOK, register_and_index
from reading_club.service.unit_of_work import AbstractUnitOfWork

from effects import Effects
from probing import probe, probe_never

HOLD = 0.5
"""Seconds the request keeps its transaction open before the commit, when
the catalogue has not been asked yet: it must not look meanwhile."""

TIMEOUT = 5.0


class SlowCommitUnitOfWork(SqlUnitOfWork):
    """Keeps each transaction open a while before committing it, as a slow
    request would, and runs ``meanwhile`` during that time."""

    def __init__(
        self,
        engine: AsyncEngine,
        transport: AsyncAbstractEventstreamTransport,
        meanwhile: Callable[[], Awaitable[None]],
    ) -> None:
        super().__init__(engine, transport)
        self.meanwhile = meanwhile

    async def commit(self) -> None:
        await self.meanwhile()
        await super().commit()


async def test_the_catalogue_finds_the_book_it_is_asked_to_index(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    shared_engine: AsyncEngine,
    transport: AsyncAbstractEventstreamTransport,
    club_celery: Celery,
    effects: Effects,
    published: list[tuple[str, str]],
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    looked_up = partial(effects.assert_looked_up, dune.id)

    async def the_catalogue_has_its_chance() -> None:
        if (INDEX_BOOK.task, INDEX_BOOK.queue) in published:
            # Asked already: let it look before the commit, every time.
            await asyncio.to_thread(probe, looked_up, TIMEOUT)
        else:
            not_yet = partial(effects.assert_not_looked_up, dune.id)
            await asyncio.to_thread(probe_never, not_yet, HOLD)

    uow = SlowCommitUnitOfWork(shared_engine, transport, the_catalogue_has_its_chance)
    result = await register_and_index(
        register_dune, bus=bus, uow=uow, celery=club_celery
    )
    assert result == Ok(dune)

    lookup = await asyncio.to_thread(probe, looked_up, TIMEOUT)
    assert lookup == {"id": str(dune.id), "found": True, "title": "Dune"}
