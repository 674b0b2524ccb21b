"""The club's programs in processes of their own (the worker, the relay),
and the worker of the mailing service's stand-in.

The relay runs as ``reading-club relay``. The workers run Celery's own
command, with the tests' hooks as options; ``reading-club worker`` adds
its checks of the settings and the schema to it, which ``test_cli.py``
and ``test_system.py`` try."""

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import psutil
import pytest
import redis

from reading_club.routes import CATALOGUE, NOTIFICATIONS

from holding import Hold
from probing import probe
from programs import Program, start_together, stop_together


def club_worker(
    name: str, directory: Path, env: Mapping[str, str], *options: str
) -> Program:
    """``celery -A reading_club.entrypoints.worker worker``, and ``options``."""
    return worker(name, "reading_club.entrypoints.worker", directory, env, *options)


def worker(
    name: str, app: str, directory: Path, env: Mapping[str, str], *options: str
) -> Program:
    """A Celery worker of ``app``; it is ready once it logs ``name@host ready.``"""
    command = [sys.executable, "-m", "celery", "-A", app, "worker", "--loglevel=INFO"]
    # What workers tell each other: a test has no use for it, and it slows starts.
    quiet = ["--without-heartbeat", "--without-gossip", "--without-mingle"]
    return Program(
        name,
        [*command, f"--hostname={name}@%h", *quiet, *options],
        directory / f"{name}.log",
        ready=" ready.",
        env=env,
    )


def club_relay(name: str, directory: Path, env: Mapping[str, str]) -> Program:
    """``reading-club relay``."""
    command = [sys.executable, "-m", "reading_club", "relay"]
    return Program(name, command, directory / f"{name}.log", ready="relaying", env=env)


LOWERED_RETRIES = {
    "CLUB_RETRIES": "3",
    "CLUB_RETRY_DELAY": "0.05",
    "CLUB_RETRY_DELAY_MAX": "0.2",
    "CLUB_BOOK_DATA_TIMEOUT": "0.5",
}
"""Three retries at most, within 0.05 s at first, 0.2 s at most, and a
half-second book-data timeout: production waits minutes, a test cannot."""


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
    book_data_url: str,
    session_hold: Hold,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Workers]:
    """A worker per consumer, started together, stopped whatever happens."""
    directory = tmp_path_factory.mktemp("workers")
    env = {
        "CLUB_BROKER_URL": redis_url,
        "CLUB_DATABASE_URL": database_url,
        "CLUB_BOOK_DATA_URL": book_data_url,
        **LOWERED_RETRIES,
    }
    started = Workers(
        catalogue=club_worker("catalogue", directory, env, "--pool=solo"),
        notifications=worker(
            "notifications",
            "notifications_stand_in",
            directory,
            {**env, "HOLD_DIR": str(session_hold.directory)},
            "--pool=solo",
        ),
    )
    try:
        start_together([started.catalogue, started.notifications])
        yield started
    finally:
        stop_together([started.catalogue, started.notifications])


@pytest.fixture
def workers(session_workers: Workers, redis_url: str) -> Iterator[Workers]:
    """The session's workers, with nothing left to do at the end of the test:
    a message still in a queue, or in a task, would land in the next test."""
    yield session_workers
    with redis.Redis.from_url(redis_url) as client:
        probe(partial(assert_done, session_workers, client), timeout=10)


def assert_done(workers: Workers, client: redis.Redis) -> None:
    for program, consumer in [
        (workers.catalogue, CATALOGUE),
        (workers.notifications, NOTIFICATIONS),
    ]:
        received = len(program.lines_with("] received"))
        waiting: int = client.llen(consumer.queue)
        held = unfinished(program)
        assert (waiting, held) == (0, 0), f"{program.name} has work left"
        # A message the worker took from Redis and has not logged yet is in
        # neither count: until the worker waits for the next one, and has
        # taken none since the counts were read.
        busy = f"{program.name} is not waiting in BRPOP (busy, or not connected)"
        assert waiting_in_brpop(program, client), busy
        taken_since = len(program.lines_with("] received")) - received
        assert taken_since == 0, f"{program.name} took a message meanwhile"


def waiting_in_brpop(worker: Program, client: redis.Redis) -> bool:
    """Whether the worker waits in Redis for a message: then it holds none
    that it took and has not logged. kombu 5.7 sends a channel's next BRPOP
    only once it has delivered the reply to the last (``_register_BRPOP``,
    ``_brpop_read``), and Celery logs "received" as it is delivered. Redis
    lists its clients (``CLIENT LIST``), the blocked ones flagged ``b``; the
    worker's are the ones from its own connections to Redis."""
    redis_port = client.connection_pool.connection_kwargs["port"]
    ours = {
        f"{c.laddr.ip}:{c.laddr.port}"
        for c in psutil.Process(worker.pid).net_connections()
        if c.raddr and c.raddr.port == redis_port
    }
    return any(
        info["cmd"] == "brpop" and "b" in info["flags"] and info["addr"] in ours
        for info in client.client_list()
    )


def unfinished(worker: Program) -> int:
    """How many messages a Celery worker took, by its log, and has not ended:
    a task ends as it succeeds, raises, or is put off for a retry."""
    taken = len(worker.lines_with("] received"))
    ends = ("] succeeded in", "] raised", "] retry:")
    return taken - sum(len(worker.lines_with(end)) for end in ends)


@pytest.fixture
def relay(redis_url: str, database_url: str, tmp_path: Path) -> Iterator[Program]:
    """The club's relay, in a process of its own, for one test."""
    env = {"CLUB_BROKER_URL": redis_url, "CLUB_DATABASE_URL": database_url}
    with club_relay("relay", tmp_path, env) as relay:
        yield relay
