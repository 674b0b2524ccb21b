"""The club's catalogue workers that a test starts, holds and kills.

They read the catalogue's queue in Redis database 1, where no session worker
takes the message a test means for them, with the hold points of
``hold_points.py``, and a redelivery of a second: kombu's defaults (an hour,
looked for every 100 s) suit production, not a test.
"""

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery
from messagebus.service.eventstream import MessageSerializer
from sqlalchemy import Engine

from reading_club import bootstrap
from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.domain.messages import BookRegistered, RegisterBook
from reading_club.domain.model import Book
from reading_club.routes import CATALOGUE

from holding import Hold
from processes import LOWERED_RETRIES, club_worker
from programs import Program, start_together, stop_together


class CatalogueWorkers:
    """The catalogue's workers of one test, and what their logs say."""

    def __init__(self, directory: Path, env: dict[str, str]) -> None:
        self.directory, self.env = directory, env
        self.started: list[Program] = []

    def start(self, count: int, pool: str = "solo") -> list[Program]:
        """Start ``count`` workers together, and wait until all are ready."""
        options = [f"--pool={pool}", "--concurrency=1", "--include=hold_points"]
        new = [
            club_worker(
                f"catalogue-{len(self.started) + n}", self.directory, self.env, *options
            )
            for n in range(count)
        ]
        self.started += new
        start_together(new)
        return new

    def received(self, message_id: str) -> list[int]:
        """How many times each worker took ``message_id`` from the queue."""
        return self._count(f"{CATALOGUE.task}[{message_id}:{CATALOGUE.queue}] received")

    def finished(self, message_id: str) -> int:
        """How many tasks of ``message_id`` returned, in all the workers."""
        task = f"{CATALOGUE.task}[{message_id}:{CATALOGUE.queue}]"
        return sum(self._count(f"{task} succeeded in"))

    def duplicates(self, message_id: str) -> int:
        """How many deliveries of ``message_id`` found it handled already."""
        return sum(self._count(f"message {message_id} was handled already"))

    def assert_finished(self, message_id: str, times: int) -> None:
        finished = self.finished(message_id)
        assert finished == times, f"{message_id} finished {finished} times"

    def _count(self, text: str) -> list[int]:
        return [len(worker.lines_with(text)) for worker in self.started]


@pytest.fixture
def hold(tmp_path: Path) -> Hold:
    return Hold(tmp_path / "hold")


@pytest.fixture
def catalogue_redis_url(redis_url: str) -> str:
    """Redis database 1, its queue and kombu's unacknowledged messages emptied."""
    url = redis_url.removesuffix("/0") + "/1"
    with redis.Redis.from_url(url) as client:
        client.delete(CATALOGUE.queue, "unacked", "unacked_index", "unacked_mutex")
    return url


@pytest.fixture
def catalogue_workers(
    catalogue_redis_url: str,
    database_url: str,
    book_data_url: str,
    empty_database: Engine,
    hold: Hold,
    tmp_path: Path,
) -> Iterator[CatalogueWorkers]:
    """The catalogue's workers, none started yet, all stopped at the end."""
    env = {
        "CLUB_BROKER_URL": catalogue_redis_url,
        "CLUB_DATABASE_URL": database_url,
        "CLUB_BOOK_DATA_URL": book_data_url,
        "HOLD_DIR": str(hold.directory),
        "CLUB_REDELIVERY_TIMEOUT": "1",
        "CLUB_REDELIVERY_CHECK": "0.2",
        **LOWERED_RETRIES,
    }
    workers = CatalogueWorkers(tmp_path, env)
    yield workers
    hold.release()  # a task still holding would delay its worker's stop
    stop_together(workers.started)


@pytest.fixture
def catalogue_celery(catalogue_redis_url: str) -> Iterator[Celery]:
    """The club's sending Celery, for a test that sends tasks to the
    catalogue's workers itself."""
    celery = bootstrap.sending_celery(catalogue_redis_url)
    yield celery
    celery.close()


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


def store_books(reader: Engine, books: Sequence[Book | RegisterBook]) -> None:
    """The books in the club's database, as their registrations leave them:
    for a test that sends their events to the workers itself."""
    rows = [
        {"id": book.id, "title": book.title, "authors": book.authors, "isbn": book.isbn}
        for book in books
    ]
    with reader.begin() as connection:
        connection.execute(tables.books.insert(), rows)
