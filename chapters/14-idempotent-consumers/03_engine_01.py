"""The engine: how the application reaches its database."""

from typing import Any

import sqlalchemy
from sqlalchemy import Connection, Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine for ``url``; ``options`` go to ``create_async_engine``."""
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        _let_sqlalchemy_begin_sqlite_transactions(engine.sync_engine)
    return engine


def create_sync_engine(url: str, **options: Any) -> Engine:
    """A synchronous engine for ``url``, whose transactions behave as
    ``create_engine``'s do: for a worker, which runs no event loop."""
    engine = sqlalchemy.create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        _let_sqlalchemy_begin_sqlite_transactions(engine)
    return engine


def _let_sqlalchemy_begin_sqlite_transactions(engine: Engine) -> None:
    """Make savepoints part of the transaction on SQLite.

    Python's sqlite3 driver, alone or under aiosqlite, starts transactions
    itself, and only right before an INSERT, UPDATE or DELETE. A SAVEPOINT
    sent first starts a transaction of its own, and releasing it commits. So
    the driver is told never to begin, and SQLAlchemy sends BEGIN as each of
    its transactions starts. (Python 3.12's ``autocommit=False`` connection
    argument would do the same, but Python 3.11's sqlite3 rejects it.)
    """

    @event.listens_for(engine, "connect")
    def _driver_never_begins(
        dbapi_connection: Any, connection_record: ConnectionPoolEntry
    ) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _sqlalchemy_begins(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")
