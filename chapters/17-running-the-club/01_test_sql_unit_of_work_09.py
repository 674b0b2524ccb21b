from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from lastuuid import uuid7
from messagebus import AsyncAbstractEventstreamTransport, AsyncMessageBus
from messagebus.domain.model.transaction import TransactionError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_engine
from reading_club.adapters.sql.migrations import migrate
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book, BookId
from reading_club.domain.result import Err, Ok
from reading_club.service.unit_of_work import AbstractUnitOfWork


@pytest.fixture
def hyperion() -> Book:
    return Book(
        id=BookId(uuid7()),
        title="Hyperion",
        authors=["Dan Simmons"],
        isbn="9780553283686",
    )


async def stored_messages(engine: AsyncEngine) -> dict[str, dict[str, Any]]:
    """The committed rows of the ``messages`` table, by message name."""
    async with engine.connect() as connection:
        rows = (await connection.execute(select(tables.messages))).mappings()
        return {row["name"]: dict(row) for row in rows}


async def test_a_refused_book_leaves_the_transaction_usable(
    sql_uow: SqlUnitOfWork, dune: Book, hyperion: Book
) -> None:
    same_id = hyperion.model_copy(update={"id": dune.id})
    async with sql_uow as transaction:
        assert await transaction.books.add(dune) == Ok(None)
        result = await transaction.books.add(same_id)
        assert result == Err(BookRepositoryError.already_registered)
        assert await transaction.books.add(hyperion) == Ok(None)
        await transaction.commit()

    async with sql_uow as transaction:
        assert await transaction.books.by_id(dune.id) == Ok(dune)
        assert await transaction.books.by_id(hyperion.id) == Ok(hyperion)
        await transaction.rollback()


async def test_a_missing_commit_gives_the_connection_back(
    sql_uow: SqlUnitOfWork, dune: Book
) -> None:
    with pytest.raises(TransactionError):
        async with sql_uow as transaction:
            await transaction.books.add(dune)

    assert sql_uow.connection.closed


async def test_the_handled_messages_are_stored_as_rows(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    sql_uow: AbstractUnitOfWork,
    engine: AsyncEngine,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    async with sql_uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()

    stored = await stored_messages(engine)
    assert stored.keys() == {"register_book", "book_registered"}
    command, event = stored["register_book"], stored["book_registered"]
    assert command["message_id"] == register_dune.message_id
    assert command["created_at"] == register_dune.created_at
    assert (command["schema_version"], command["published"]) == (2, False)
    assert (event["schema_version"], event["published"]) == (2, True)
    assert event["payload"] == {
        "id": str(dune.id),
        "title": "Dune",
        "authors": [{"name": "Frank Herbert"}],
        "isbn": "9780441013593",
    }


async def test_a_rolled_back_transaction_stores_no_row(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    sql_uow: AbstractUnitOfWork,
    engine: AsyncEngine,
    register_dune: RegisterBook,
) -> None:
    async with sql_uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.rollback()

    assert await stored_messages(engine) == {}


async def test_a_command_handled_again_is_stored_once(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    sql_uow: AbstractUnitOfWork,
    engine: AsyncEngine,
    register_dune: RegisterBook,
) -> None:
    for _ in range(2):
        async with sql_uow as transaction:
            await bus.handle(register_dune, transaction)
            await transaction.commit()

    stored = await stored_messages(engine)
    assert stored.keys() == {"register_book", "book_registered"}
    assert stored["register_book"]["message_id"] == register_dune.message_id


class PoolWatcher(AsyncAbstractEventstreamTransport):
    """A transport that notes how many connections were lent out at each send."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.lent_out: list[int] = []

    async def send_message_serialized(self, message: Mapping[str, Any]) -> None:
        pool = self.engine.sync_engine.pool
        assert isinstance(pool, QueuePool), "watch a pool that lends connections"
        self.lent_out.append(pool.checkedout())


@pytest.fixture
async def file_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A SQLite database in a file: its pool lends a connection per transaction."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'club.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(migrate)
    yield engine
    await engine.dispose()


async def test_the_connection_is_given_back_before_events_are_sent(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    file_engine: AsyncEngine,
    register_dune: RegisterBook,
) -> None:
    watcher = PoolWatcher(file_engine)
    uow: AbstractUnitOfWork = SqlUnitOfWork(file_engine, watcher)
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()

    assert watcher.lent_out == [0]
