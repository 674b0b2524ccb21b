"""The club's database, shared by the tests and the club's programs: a SQLite
file, or another database that a test names, made by its ``<name>_url`` fixture."""

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_engine, create_sync_engine
from reading_club.adapters.sql.migrations import upgrade


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file, migrated to the club's schema."""
    url = f"sqlite:///{tmp_path_factory.mktemp('club') / 'club.sqlite'}"
    engine = create_sync_engine(url)
    upgrade(engine)
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


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own for one test, with nothing in it: a SQLite file,
    or a database made on the session's PostgreSQL server and dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.sqlite'}"
        return
    server = make_url(request.getfixturevalue("postgresql_url"))
    name = f"new_{uuid.uuid4().hex}"
    with outside_transactions(server) as connection:
        quoted = connection.dialect.identifier_preparer.quote(name)
        connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            connection.exec_driver_sql(f"DROP DATABASE {quoted} WITH (FORCE)")


@contextmanager
def outside_transactions(url: URL) -> Iterator[Connection]:
    """A connection in autocommit mode, where CREATE DATABASE must run."""
    engine = create_sync_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")
    finally:
        engine.dispose()
