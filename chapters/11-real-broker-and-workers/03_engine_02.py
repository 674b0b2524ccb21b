"""The engines: how the club's processes reach its database.

The club runs on SQLite and on PostgreSQL. Its settings name the database
with a plain URL, ``sqlite:////var/lib/club/club.sqlite`` or
``postgresql://club@db/club``, and each engine picks its own driver: the
code that runs in an event loop needs an asyncio driver, the workers a
synchronous one.
"""

from typing import Any

import sqlalchemy
from sqlalchemy import URL, Connection, Engine, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "psycopg"}
SYNC_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An asyncio engine for ``url``; ``options`` go to ``create_async_engine``."""
    driven = with_driver(url, ASYNC_DRIVERS)
    engine = create_async_engine(driven, **_defaults(driven), **options)
    _configure(engine.sync_engine)
    return engine


def create_sync_engine(url: str, **options: Any) -> Engine:
    """A synchronous engine for ``url``, whose transactions behave as
    ``create_engine``'s do: for a worker, which runs no event loop."""
    driven = with_driver(url, SYNC_DRIVERS)
    engine = sqlalchemy.create_engine(driven, **_defaults(driven), **options)
    _configure(engine)
    return engine


def with_driver(url: str, drivers: dict[str, str]) -> URL:
    """``url`` with the driver that the club uses for its database."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        known = " or ".join(f"{name}://" for name in drivers)
        raise ValueError(f"the club runs on {known}, not on {backend}://")
    return parsed.set(drivername=f"{backend}+{drivers[backend]}")


def _defaults(url: URL) -> dict[str, Any]:
    """PostgreSQL's default isolation, said aloud: the club's code that turns
    a duplicate key into an answer (the repository, the inbox) reads the
    row that another transaction committed meanwhile, which a stricter
    level would hide. A server or a role configured otherwise is overruled."""
    if url.get_backend_name() == "postgresql":
        return {"isolation_level": "READ COMMITTED"}
    return {}


def _configure(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        _let_sqlalchemy_begin_sqlite_transactions(engine)


def _let_sqlalchemy_begin_sqlite_transactions(engine: Engine) -> None:
    """Make savepoints part of the transaction on SQLite, and let readers and
    a writer work at once.

    Python's sqlite3 driver, alone or under aiosqlite, starts transactions
    itself, and only right before an INSERT, UPDATE or DELETE. A SAVEPOINT
    sent first starts a transaction of its own, and releasing it commits. So
    the driver is told never to begin, and SQLAlchemy sends a plain BEGIN as
    each of its transactions starts. (Python 3.12's ``autocommit=False``
    connection argument would do the same, but Python 3.11's sqlite3 rejects
    it.)

    In SQLite's default journal mode, a COMMIT waits for the readers of the
    other connections, and gives up with "database is locked" after the
    driver's busy timeout (5 s). In write-ahead-log mode, readers never hold
    up a writer: a worker reading a book does not fail the next commit of a
    request. The mode is set outside any transaction, and kept in the file.
    """

    @event.listens_for(engine, "connect")
    def _driver_never_begins(
        dbapi_connection: Any, connection_record: ConnectionPoolEntry
    ) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # an in-memory one says "memory"
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlalchemy_begins(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")
