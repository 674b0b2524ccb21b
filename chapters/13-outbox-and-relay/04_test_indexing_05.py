import asyncio
from functools import partial

from messagebus import AsyncMessageBus
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.sql.outbox import outbox_unit_of_work
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.domain.result import Ok
from reading_club.entrypoints.books import register_book
from reading_club.service.unit_of_work import AbstractUnitOfWork

from effects import Effects
from probing import probe
from processes import Process

TIMEOUT = 5.0


async def test_the_catalogue_finds_every_book_it_hears_of(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    shared_engine: AsyncEngine,
    relay: Process,
    effects: Effects,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    # The relay reads what is committed, and nothing else: the catalogue
    # cannot hear of a book before the book is in the database.
    uow = outbox_unit_of_work(shared_engine)
    result = await register_book(register_dune, bus=bus, uow=uow)
    assert result == Ok(dune)

    looked_up = partial(effects.assert_looked_up, dune.id)
    lookup = await asyncio.to_thread(probe, looked_up, TIMEOUT)
    assert lookup == {"id": str(dune.id), "found": True, "title": "Dune"}
