"""The club's worker program in processes of its own, as production starts
it, and the worker of the mailing service's stand-in."""

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import redis

from reading_club.routes import CATALOGUE, NOTIFICATIONS

from holding import Hold
from probing import probe
from programs import Program, start_together, stop_together

CELERY = [sys.executable, "-m", "celery"]
WORKER_OPTIONS = [
    "--loglevel=INFO",
    # What workers tell each other: a test has no use for it, and it slows
    # the start.
    *("--without-heartbeat", "--without-gossip", "--without-mingle"),
]
READY = " ready."
"""What a Celery worker logs once it consumes: ``name@host ready.``"""


def club_worker(
    name: str, directory: Path, env: Mapping[str, str], *options: str
) -> Program:
    """``celery -A reading_club.entrypoints.worker worker``, and ``options``."""
    return _worker(name, "reading_club.entrypoints.worker", directory, env, options)


def stand_in_worker(name: str, directory: Path, env: Mapping[str, str]) -> Program:
    """The worker of the mailing service's stand-in."""
    return _worker(name, "notifications_stand_in", directory, env, ("--pool=solo",))


def _worker(
    name: str,
    app: str,
    directory: Path,
    env: Mapping[str, str],
    options: tuple[str, ...],
) -> Program:
    command = [
        *CELERY,
        "-A",
        app,
        "worker",
        "--hostname",
        f"{name}@%h",
        *WORKER_OPTIONS,
    ]
    return Program(
        name,
        [*command, *options],
        directory / f"{name}.log",
        ready=READY,
        env=env,
    )


@dataclass(frozen=True)
class Workers:
    catalogue: Program
    notifications: Program


@pytest.fixture(scope="session")
def session_hold(tmp_path_factory: pytest.TempPathFactory) -> Hold:
    return Hold(tmp_path_factory.mktemp("hold"))


@pytest.fixture(scope="session")
def session_workers(
    redis_url: str,
    database_url: str,
    session_hold: Hold,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Workers]:
    """A worker per consumer, started together, stopped whatever happens.

    Each test uses them through ``workers``.
    """
    directory = tmp_path_factory.mktemp("workers")
    env = {
        "CLUB_BROKER_URL": redis_url,
        "CLUB_DATABASE_URL": database_url,
        "HOLD_DIR": str(session_hold.directory),
    }
    started = Workers(
        catalogue=club_worker("catalogue", directory, env, "--pool=solo"),
        notifications=stand_in_worker("notifications", directory, env),
    )
    try:
        start_together([started.catalogue, started.notifications])
        yield started
    finally:
        stop_together([started.catalogue, started.notifications])


@pytest.fixture
def workers(session_workers: Workers, redis_url: str) -> Iterator[Workers]:
    """The session's workers, left with nothing to do at the end of the test:
    a message still in a queue, or in a task, would have its effect during
    the next test, and spoil it."""
    yield session_workers
    with redis.Redis.from_url(redis_url) as client:
        probe(partial(assert_done, session_workers, client), timeout=10)


def assert_done(workers: Workers, client: redis.Redis) -> None:
    pairs = [(workers.catalogue, CATALOGUE), (workers.notifications, NOTIFICATIONS)]
    for worker, consumer in pairs:
        waiting: int = client.llen(consumer.queue)
        taken = len(worker.lines_with("] received"))
        ended = len(worker.lines_with("] succeeded in")) + len(
            worker.lines_with("] raised")
        )
        assert (waiting, taken) == (0, ended), f"{worker.name} has work left"
