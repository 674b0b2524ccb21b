"""The club's database, shared by the tests and the club's programs: a SQLite
file, or another database that a test names, made by its ``<name>_url`` fixture."""

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_engine, create_sync_engine


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file with the club's tables."""
    url = f"sqlite:///{tmp_path_factory.mktemp('club') / 'club.sqlite'}"
    engine = create_sync_engine(url)
    tables.metadata.create_all(engine)
    engine.dispose()
    return url


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
    """The shared database, emptied first: tests that other processes read
    commit for real, and leave their rows behind."""
    with reader.begin() as connection:
        for table in reversed(tables.metadata.sorted_tables):
            connection.execute(table.delete())
    return reader


@pytest.fixture
async def shared_engine(
    database_url: str, empty_database: Engine
) -> AsyncIterator[AsyncEngine]:
    """The shared database, emptied, for the club's requests in the test."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()
