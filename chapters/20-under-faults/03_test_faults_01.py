"""The club under faults, every part a process: 500 books registered over
HTTP while a worker is killed, Redis stops for two seconds, and the active
relay is killed. Nothing may be lost, and nothing done twice."""

import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import NamedTuple

import httpx
import psutil
import pytest
import redis
from port_for import get_port
from pytest_redis.executor import RedisExecutor
from sqlalchemy import Engine, func, select
from test_stopping_workers import assert_gone

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_sync_engine
from reading_club.adapters.sql.migrations import upgrade
from reading_club.domain.messages import RegisterBook
from reading_club.routes import CATALOGUE

from broker import redis_server
from catalogue import numbered_registration
from probing import probe
from processes import LOWERED_RETRIES, club_relay, club_worker
from programs import Program, start_together, stop_together

BOOKS = 500
AUTHORS = [f"Author {letter}" for letter in "ABCDEFGHIJ"]
WORKER_KILLED = 100
BROKER_DOWN, BROKER_DOWN_FOR = 200, 2.0
RELAY_KILLED = 300
TIMEOUT = 120.0
"""Seconds the club may take to handle every book after the last request:
a message that a dead worker held comes back after 5 s, one that the
broker lost is sent again after 8 s, and the machine is busy."""

FAULT_SETTINGS = {
    **LOWERED_RETRIES,
    # A message that a dead worker took goes back to its queue after 5 s,
    # and a sweep looks for such messages every second.
    "CLUB_REDELIVERY_TIMEOUT": "5",
    "CLUB_REDELIVERY_CHECK": "1",
    # The active relay looks for lost messages twice a second, and counts
    # one lost 8 s after its send: longer than Redis takes to give back a
    # message that a dead worker took (5 s after the take, at the next sweep).
    "CLUB_LOST_AFTER": "8",
    "CLUB_LOST_CHECK": "0.5",
    # A standby that takes over waits at most 9.1 s for the claims of the
    # relay it replaces, instead of 27 s.
    "CLUB_BROKER_TIMEOUT": "0.5",
    # The book-data service's stand-in answers from the test's own process,
    # which is busy sending requests: no dead letter for a slow answer.
    "CLUB_BOOK_DATA_TIMEOUT": "2",
}


class Club(NamedTuple):
    api: str
    broker: RedisExecutor
    relays: list[Program]
    workers: list[Program]
    database: Engine


@pytest.fixture
def club(new_database_url: str, book_data_url: str, tmp_path: Path) -> Iterator[Club]:
    """PostgreSQL, Redis, the API, two relays and three workers, each a
    process; every process stopped at the end, whatever happens."""
    database = create_sync_engine(new_database_url)
    upgrade(database)
    (tmp_path / "redis").mkdir()
    broker = redis_server(tmp_path / "redis")
    env = {
        "CLUB_DATABASE_URL": new_database_url,
        "CLUB_BROKER_URL": f"redis://127.0.0.1:{broker.port}/0",
        "CLUB_BOOK_DATA_URL": book_data_url,
        **FAULT_SETTINGS,
    }
    port = get_port(None)
    api_command = [sys.executable, "-m", "reading_club", "api", "--port", str(port)]
    api = Program("api", api_command, tmp_path / "api.log", ready="running on", env=env)
    relays = [club_relay(f"relay-{n}", tmp_path, env) for n in (1, 2)]
    workers = [
        club_worker(f"worker-{n}", tmp_path, env, "--concurrency=2") for n in (1, 2, 3)
    ]
    programs = [api, *relays, *workers]
    try:
        broker.start()
        start_together(programs)
        yield Club(f"http://127.0.0.1:{port}", broker, relays, workers, database)
        # Stopped as a process manager stops them, each with a SIGTERM: every
        # process must exit, the workers' pool processes too.
        running = [program for program in programs if program.running()]
        every_process = processes_of(running)
        for program in running:
            os.kill(program.pid, signal.SIGTERM)
        _, left = psutil.wait_procs(every_process, timeout=30)
        assert left == [], f"processes that outlived their SIGTERM: {left}"
    finally:
        stop_together(programs)  # and SIGKILL what is left, if anything
        broker.stop()
        database.dispose()


@pytest.mark.parametrize("new_database_url", ["postgresql"], indirect=True)
def test_nothing_is_lost_or_done_twice_under_faults(club: Club) -> None:
    commands = registrations()
    pool: list[psutil.Process] = []
    broker_down_since: float | None = None
    restarts = 0
    with httpx.Client(base_url=club.api, timeout=10) as api:
        for number, command in enumerate(commands):
            if number == WORKER_KILLED:
                pool = psutil.Process(club.workers[0].pid).children()
                os.kill(club.workers[0].pid, signal.SIGKILL)
                # Its pool processes die with it, before anything restarts it.
                for process in pool:
                    probe(partial(assert_gone, process), 5)
            if number == BROKER_DOWN:
                club.broker.stop()
                broker_down_since = time.monotonic()
            if (
                broker_down_since
                and time.monotonic() > broker_down_since + BROKER_DOWN_FOR
            ):
                club.broker.start()
                broker_down_since = None
            if number == RELAY_KILLED:
                os.kill(active_relay(club.relays).pid, signal.SIGKILL)
            restarts += restart_the_dead(club.workers)
            book = command.model_dump(
                mode="json", include={"id", "title", "authors", "isbn"}
            )
            answer = api.post("/books", json=book)
            assert answer.status_code == 201, f"{command.title}: {answer.text}"
    if broker_down_since is not None:  # the requests were done in less time
        club.broker.start()

    def done() -> None:
        nonlocal restarts
        restarts += restart_the_dead(club.workers)
        assert_every_book_finished(club)
        # The other workers may have done it all: worker-1 must be back too.
        assert len(club.workers[0].lines_with(" ready.")) >= 2, "worker-1 not back"

    probe(done, TIMEOUT)
    assert_nothing_twice(club.database, commands)
    # Each fault happened: the test proves nothing about one that did not.
    assert pool, "worker-1 had no pool processes to lose"
    # A worker that notices the outage only once Redis is back (on a busy
    # machine) logs the loss, and no failed attempt to connect.
    met_the_outage = ("Connection to broker lost", "Cannot connect to")
    assert any(w.lines_with(line) for w in club.workers for line in met_the_outage)
    assert any(relay.lines_with("Connection refused") for relay in club.relays)
    assert all(relay.lines_with("is the active relay") for relay in club.relays)
    print(figures(club, restarts))


def registrations() -> list[RegisterBook]:
    """BOOKS books, by one or two of the AUTHORS."""
    commands = []
    for number in range(BOOKS):
        first, second = AUTHORS[number % 10], AUTHORS[(number + 3) % 10]
        authors = (first,) if number % 3 else (first, second)
        commands.append(numbered_registration(number, f"Book {number}", authors))
    return commands


def restart_the_dead(workers: list[Program]) -> int:
    """Start again each worker that has exited, without waiting until it is
    ready, as a process manager does (systemd's ``Restart=``, Kubernetes);
    how many."""
    dead = [worker for worker in workers if not worker.running()]
    for worker in dead:
        worker.stop()  # what is left of it
        worker.launch()
    return len(dead)


def active_relay(relays: list[Program]) -> Program:
    """The relay that holds the lock: the other has never held it."""
    active = [relay for relay in relays if relay.lines_with("is the active relay")]
    assert len(active) == 1, f"relays that took the lock: {len(active)}"
    return active[0]


def assert_every_book_finished(club: Club) -> None:
    """Every book's message finished by the catalogue, and none left in
    Redis, neither waiting nor taken by a worker: no copy is on its way."""
    finished = (
        select(func.count())
        .select_from(tables.inbox)
        .where(tables.inbox.c.finished_at.is_not(None))
    )
    with club.database.connect() as connection:
        done = connection.execute(finished).scalar_one()
    assert done == BOOKS, f"{done} of {BOOKS} books finished"
    # In one MULTI: a sweep cannot move a message between the two reads.
    with redis.Redis(port=club.broker.port) as broker, broker.pipeline() as both:
        queues, unacknowledged = (
            both.keys(f"{CATALOGUE.queue}*").hlen("unacked").execute()
        )
    left = (len(queues), unacknowledged)
    assert left == (0, 0), f"(lists of the queue, unacknowledged) in Redis: {left}"


def assert_nothing_twice(database: Engine, commands: list[RegisterBook]) -> None:
    """Every book stored once, indexed, counted once for each of its authors,
    and no message a dead letter."""
    expected = Counter(author for command in commands for author in command.authors)
    with database.connect() as connection:
        rows = connection.execute(select(tables.author_books))
        counts = {row.author: row.books for row in rows}
        books, indexed, dead = (
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (tables.books, tables.search_index, tables.dead_letters)
        )
    assert counts == dict(expected), "some books were counted twice, or never"
    assert (books, indexed, dead) == (BOOKS, BOOKS, 0)


def processes_of(programs: list[Program]) -> list[psutil.Process]:
    """The processes of the running programs, and their children."""
    found: list[psutil.Process] = []
    for program in programs:
        if program.running():
            leader = psutil.Process(program.pid)
            found += [leader, *leader.children(recursive=True)]
    return found


def figures(club: Club, restarts: int) -> str:
    """What the club met on the way, for the record."""
    copies = sum(len(w.lines_with("was handled already")) for w in club.workers)
    lost = sum(len(relay.lines_with("never finished by")) for relay in club.relays)
    return (
        f"{BOOKS} books; {copies} copies not counted again; {lost} sent again; "
        f"workers started again {restarts} times"
    )
