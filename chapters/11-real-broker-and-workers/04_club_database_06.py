"""The club's database, shared by the tests and the club's programs: a SQLite
file, or the PostgreSQL of ``postgres.py``."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import Engine, delete
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_engine, create_sync_engine


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file with the club's tables, in write-ahead-log mode.

    In SQLite's default journal mode, a COMMIT has to wait for the readers
    of other connections, and gives up with "database is locked". In WAL
    mode, reading never blocks writing: a worker reading a book does not
    hold up the club's next commit. The mode is kept in the file.
    """
    path: Path = tmp_path_factory.mktemp("club") / "club.sqlite"
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    # SQLite refuses to change the mode inside a transaction; Python's sqlite3
    # begins none before a PRAGMA. The answer is the mode now in force.
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
    if mode != "wal":
        raise RuntimeError(f"{path} stayed in journal mode {mode!r}, not WAL")
    tables.metadata.create_all(engine)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(scope="session", params=["sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The club's database, as the club's programs are given it."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture(scope="session")
def reader(database_url: str) -> Iterator[Engine]:
    """A synchronous engine on the shared database, for probes to read it."""
    engine = create_sync_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def empty_database(reader: Engine) -> Engine:
    """The shared database, emptied before the test.

    The tests that use it commit for real, since other processes read only
    what is committed: the rows of the previous test are deleted first.
    """
    with reader.begin() as connection:
        for table in reversed(tables.metadata.sorted_tables):
            connection.execute(delete(table))
    return reader


@pytest.fixture
async def shared_engine(
    database_url: str, empty_database: Engine
) -> AsyncIterator[AsyncEngine]:
    """The shared database, emptied, for the club's requests in the test."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()
