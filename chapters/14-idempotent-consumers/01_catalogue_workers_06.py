"""The club's catalogue workers that a test starts, holds and kills.

They read the catalogue's queue in a Redis database of their own (number 1),
so that no session worker takes the message that a test means for them, and
they are started with the hold points of ``hold_points.py``. Each test starts
the workers it needs, which are stopped at its end, whatever happens.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from messagebus.service.eventstream import MessageSerializer
from sqlalchemy import Engine

from reading_club import bootstrap
from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.domain.messages import BookRegistered
from reading_club.domain.model import Book
from reading_club.routes import CATALOGUE

from holding import Hold
from processes import club_worker
from programs import Program, start_together, stop_together

REDELIVERY = {"CLUB_REDELIVERY_TIMEOUT": "1", "CLUB_REDELIVERY_CHECK": "0.2"}
"""A message left unacknowledged goes back to its queue a second after a
worker took it, and the workers look for such messages five times a second:
kombu's defaults, an hour and every 100 s, suit production, not a test."""

KOMBU_KEYS = [CATALOGUE.queue, "unacked", "unacked_index", "unacked_mutex"]
"""The queue, and where kombu keeps the messages taken and not acknowledged."""


class CatalogueWorkers:
    """The catalogue's workers of one test: started on demand, killed at will."""

    def __init__(self, directory: Path, env: dict[str, str]) -> None:
        self.directory = directory
        self.env = env
        self.started: list[Program] = []

    def start(self, count: int, pool: str = "solo") -> list[Program]:
        """Start ``count`` workers together, and wait until all are ready."""
        number = len(self.started)
        workers = [
            club_worker(
                f"catalogue-{number + n}",
                self.directory,
                self.env,
                f"--pool={pool}",
                "--concurrency=1",
                "--include=hold_points",
            )
            for n in range(count)
        ]
        self.started += workers
        start_together(workers)
        return workers

    def received(self, message_id: str) -> dict[str, int]:
        """How many times each worker took ``message_id`` from the queue."""
        return self._count(f"{self._task(message_id)} received")

    def finished(self, message_id: str) -> int:
        """How many tasks of ``message_id`` returned, in all the workers."""
        return sum(self._count(f"{self._task(message_id)} succeeded in").values())

    def duplicates(self, message_id: str) -> int:
        """How many deliveries of ``message_id`` found it handled already."""
        text = f"message {message_id} was handled already"
        return sum(self._count(text).values())

    def assert_finished(self, message_id: str, times: int) -> None:
        finished = self.finished(message_id)
        assert finished == times, f"{message_id} finished {finished} times"

    def _task(self, message_id: str) -> str:
        return f"{CATALOGUE.task}[{message_id}:{CATALOGUE.queue}]"

    def _count(self, text: str) -> dict[str, int]:
        return {worker.name: len(worker.lines_with(text)) for worker in self.started}

    def stop(self) -> None:
        stop_together(self.started)


@pytest.fixture
def catalogue_redis_url(redis_url: str) -> Iterator[str]:
    """Redis database 1, its queue and kombu's records emptied first."""
    url = redis_url.removesuffix("/0") + "/1"
    with redis.Redis.from_url(url) as client:
        client.delete(*KOMBU_KEYS)
    yield url


@pytest.fixture
def hold(tmp_path: Path) -> Hold:
    return Hold(tmp_path / "hold")


@pytest.fixture
def catalogue_workers(
    catalogue_redis_url: str,
    database_url: str,
    empty_database: Engine,
    hold: Hold,
    tmp_path: Path,
) -> Iterator[CatalogueWorkers]:
    """The catalogue's workers, none started yet, all stopped at the end."""
    env = {
        "CLUB_BROKER_URL": catalogue_redis_url,
        "CLUB_DATABASE_URL": database_url,
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
def catalogue_transport(catalogue_redis_url: str) -> Iterator[CeleryTransport]:
    """A transport that sends the club's events to the catalogue only."""
    celery = bootstrap.sending_celery(catalogue_redis_url)
    yield CeleryTransport(celery, {"book_registered_v1": [CATALOGUE]})
    celery.close()


@pytest.fixture
def dune_registered(dune: Book) -> dict[str, Any]:
    """The event of Dune's registration, serialized as the club sends it."""
    event = BookRegistered(
        id=dune.id, title=dune.title, authors=dune.authors, isbn=dune.isbn
    )
    return dict(MessageSerializer().serialize_message(event))
