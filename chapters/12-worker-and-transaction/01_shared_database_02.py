"""The club's database in a file, shared by the tests and the worker processes."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_engine


@pytest.fixture(scope="session")
def database_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the club's tables, in write-ahead-log mode.

    In SQLite's default journal mode, a COMMIT has to wait for the readers
    of other connections, and gives up with "database is locked". In WAL
    mode, reading never blocks writing: a worker reading a book does not
    hold up the club's next commit. The mode is kept in the file.
    """
    path = tmp_path_factory.mktemp("club") / "club.sqlite"
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    # SQLite refuses to change the mode inside a transaction; Python's sqlite3
    # begins none before a PRAGMA. The answer is the mode now in force.
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
    if mode != "wal":
        raise RuntimeError(f"{path} stayed in journal mode {mode!r}, not WAL")
    with engine.begin() as connection:
        tables.metadata.create_all(connection)
    engine.dispose()
    return path


@pytest.fixture
async def shared_engine(database_path: Path) -> AsyncIterator[AsyncEngine]:
    """The shared database, emptied before the test.

    The tests that use it commit for real, since the workers read only what
    is committed; the rows of the previous test are deleted first instead.
    """
    engine = create_engine(f"sqlite+aiosqlite:///{database_path}")
    async with engine.begin() as connection:
        for table in reversed(tables.metadata.sorted_tables):
            await connection.execute(delete(table))
    yield engine
    await engine.dispose()
