"""Chapter 12: the race between the catalogue worker and the club's transaction.

The catalogue consumer reads the book by id from the club's database, in
its own process. If the task leaves before the transaction commits, the
worker may look before the row exists for anyone else.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis
from celery import Celery
from messagebus import AsyncMessageBus, AsyncUnitOfWorkTransaction
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from probing import probe, probe_never
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.domain.messages import BookRegistered, RegisterBook
from reading_club.service.unit_of_work import AbstractUnitOfWork
from routing import RoutingCeleryTransport

from tests.test_ch11_round_trip import effects

TIMEOUT = 5.0


def catalogue_looked_up(client: redis.Redis, book_id: object) -> Any:
    """A probe: the catalogue worker looked the book up; returns what it found."""

    def looked() -> dict[str, Any]:
        seen = [e for e in effects(client, "catalogue") if e["id"] == str(book_id)]
        assert seen, f"the catalogue has not looked up {book_id} yet"
        return seen[-1]

    return looked


@pytest.fixture
def bus_sending_inside(
    bus: AsyncMessageBus[AbstractUnitOfWork], club_celery: Celery
) -> AsyncMessageBus[AbstractUnitOfWork]:
    """The mistake: an event handler that sends the task as the event happens.

    Event handlers run inside ``bus.handle``, so inside the transaction.
    """

    async def send_to_catalogue_now(
        event: BookRegistered, transaction: AsyncUnitOfWorkTransaction[Any]
    ) -> None:
        message = {
            "id": str(event.message_id),
            "type": "book_registered_v1",
            "payload": event.model_dump_json(include={"id", "title", "authors", "isbn"}),
        }
        await asyncio.to_thread(
            club_celery.send_task,
            "catalogue.book_registered",
            kwargs={"message": message},
            queue="catalogue",
        )

    bus.add_listener(BookRegistered, send_to_catalogue_now)
    return bus


@pytest.mark.red
async def test_a_task_sent_inside_the_transaction_finds_the_book(
    bus_sending_inside: AsyncMessageBus[AbstractUnitOfWork],
    engine: AsyncEngine,
    club_celery: Celery,
    workers: object,
    redis_client: redis.Redis,
    register_dune: RegisterBook,
) -> None:
    """Red, every time: the test keeps the transaction open until the worker looked."""
    uow = SqlUnitOfWork(engine, RoutingCeleryTransport(club_celery, {}))
    async with uow as transaction:
        await bus_sending_inside.handle(register_dune, transaction)
        looked = catalogue_looked_up(redis_client, register_dune.id)
        lookup = await asyncio.to_thread(probe, looked, TIMEOUT)
        await transaction.commit()
    assert lookup["found"], f"the worker looked before the commit: {lookup}"


async def test_how_often_the_race_is_lost_without_holding(
    bus_sending_inside: AsyncMessageBus[AbstractUnitOfWork],
    engine: AsyncEngine,
    club_celery: Celery,
    workers: object,
    redis_client: redis.Redis,
) -> None:
    """The same mistake, the transaction committed at once: flaky, not red."""
    from conftest import COUNTS
    from lastuuid import uuid7

    lost = 0
    tries = 30
    for attempt in range(tries):
        command = RegisterBook(
            id=uuid7(), title="Dune", authors=["Frank Herbert"], isbn="9780441013593"
        )
        uow = SqlUnitOfWork(engine, RoutingCeleryTransport(club_celery, {}))
        async with uow as transaction:
            await bus_sending_inside.handle(command, transaction)
            await transaction.commit()
        lookup = await asyncio.to_thread(
            probe, catalogue_looked_up(redis_client, command.id), TIMEOUT, 0.005
        )
        lost += not lookup["found"]
        async with engine.begin() as connection:  # the ISBN is unique
            await connection.exec_driver_sql("DELETE FROM books")
    COUNTS["race lost, transaction committed at once"] = f"{lost} of {tries}"
    print(f"\nrace lost {lost} times out of {tries}")


async def test_sent_after_commit_the_worker_finds_the_book(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    redis_client: redis.Redis,
    register_dune: RegisterBook,
) -> None:
    """The fix: messagebus publishes at block exit, after the commit."""
    looked = catalogue_looked_up(redis_client, register_dune.id)

    def not_looked_yet() -> None:
        assert not effects(redis_client, "catalogue"), "looked before the commit"

    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        # However long the transaction stays open, nothing has been sent.
        await asyncio.to_thread(probe_never, not_looked_yet, 0.5)
        await transaction.commit()
    lookup = await asyncio.to_thread(probe, looked, TIMEOUT)
    assert lookup == {"id": str(register_dune.id), "found": True, "title": "Dune"}


# ------------------------------------------------ the tests that never commit


async def test_a_test_that_rolls_back_never_sends(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    redis_client: redis.Redis,
    register_dune: RegisterBook,
    published: list[dict[str, Any]],
) -> None:
    """A fixture that rolls back instead of committing: after-commit sending never runs."""
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.rollback()
    await asyncio.to_thread(
        probe_never, lambda: not_looked(redis_client), 0.5
    )
    assert published == []


def not_looked(client: redis.Redis) -> None:
    assert effects(client, "catalogue") == []


class SavepointUnitOfWork(SqlUnitOfWork):
    """The unit of work of a test wrapped in an outer transaction.

    Each ``async with`` is a SAVEPOINT on the test's connection; its
    "commit" releases the savepoint, and the outer transaction is rolled
    back when the test ends. messagebus cannot tell: it publishes after this
    commit as after a real one.
    """

    def __init__(self, connection: AsyncConnection, transport: RoutingCeleryTransport) -> None:
        super().__init__(None, transport)  # type: ignore[arg-type]
        self.outer = connection

    async def __aenter__(self) -> Any:
        self.savepoint = await self.outer.begin_nested()
        self.connection = self.outer
        from reading_club.adapters.sql.message_store import SqlMessageStore
        from reading_club.adapters.sql.repositories import SqlBookRepository

        self.books = SqlBookRepository(self.outer)
        self.messagestore = SqlMessageStore(self.outer, self.publisher)
        return await super(SqlUnitOfWork, self).__aenter__()

    async def __aexit__(self, *exc_info: Any) -> None:
        await super(SqlUnitOfWork, self).__aexit__(*exc_info)

    async def commit(self) -> None:
        await self.savepoint.commit()

    async def rollback(self) -> None:
        await self.savepoint.rollback()


@pytest.fixture
async def outer_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """Each test in a transaction that is rolled back: a clean database, no deletes."""
    async with engine.connect() as connection:
        await connection.begin()
        yield connection
        await connection.rollback()


@pytest.mark.red
async def test_inside_an_outer_transaction_the_fix_does_not_show(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    outer_connection: AsyncConnection,
    transport: RoutingCeleryTransport,
    redis_client: redis.Redis,
    register_dune: RegisterBook,
) -> None:
    """Red: the code is fixed, but the test's "commit" commits nothing."""
    uow = SavepointUnitOfWork(outer_connection, transport)
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()
    lookup = await asyncio.to_thread(
        probe, catalogue_looked_up(redis_client, register_dune.id), TIMEOUT
    )
    assert lookup["found"], f"sent after a savepoint, not a commit: {lookup}"
