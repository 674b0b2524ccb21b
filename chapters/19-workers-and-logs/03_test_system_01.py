"""The club as a reader runs it, by its README: ``reading-club db upgrade``,
then ``honcho start`` and the project's Procfile, every program a process of
its own, books registered over HTTP; its logs, as a log store gets them."""

import json
import os
import re
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import psutil
import pytest
import redis
from port_for import get_port
from pytest_redis.executor import RedisExecutor
from sqlalchemy import Engine, select

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_sync_engine
from reading_club.domain.messages import RegisterBook

from catalogue import numbered_registration
from effects import assert_counted
from probing import probe
from programs import Program

PROJECT = Path(__file__).parents[1]
TIMEOUT = 30.0
"""Seconds the programs may take to start, on a busy machine, and to count
a book: they need milliseconds for a book."""

BOOKS = {
    "Good Omens": ("Terry Pratchett", "Neil Gaiman"),
    "Mort": ("Terry Pratchett",),
    "Coraline": ("Neil Gaiman",),
}


class Club(NamedTuple):
    honcho: Program
    api_url: str
    database: Engine


@pytest.fixture
def environment(
    tmp_path: Path,
    new_database_url: str,
    redis_executor: RedisExecutor,
    book_data_url: str,
) -> dict[str, str]:
    """What a reader's ``.env`` says, and ``reading-club`` on the path, as
    ``pip install`` of the project puts it: the tests run the project from
    its folder, without installing it."""
    script = tmp_path / "bin" / "reading-club"
    script.parent.mkdir()
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m reading_club "$@"\n')
    script.chmod(0o755)
    # A database of the session's Redis that no test's worker reads.
    broker_url = f"redis://127.0.0.1:{redis_executor.port}/2"
    with redis.Redis.from_url(broker_url) as client:
        client.flushdb()
    return {
        "PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(PROJECT / "src"),
        "CLUB_DATABASE_URL": new_database_url,
        "CLUB_BROKER_URL": broker_url,
        "CLUB_BOOK_DATA_URL": book_data_url,
        "CLUB_LOG_FORMAT": "json",
    }


@pytest.fixture
def club(environment: dict[str, str], tmp_path: Path) -> Iterator[Club]:
    """The README's commands: the schema upgraded, then ``honcho start -c
    worker=2,relay=2`` in the project's folder. An empty file stands for ``.env``: a
    reader's own, beside the Procfile, would win over the test's settings."""
    subprocess.run(
        ["reading-club", "db", "upgrade"],
        env={**os.environ, **environment},
        check=True,
    )
    port = get_port(None)
    (tmp_path / "empty.env").touch()
    start = ["start", "-e", str(tmp_path / "empty.env"), "-p", str(port)]
    honcho = Program(
        "honcho",
        [
            sys.executable,
            "-m",
            "honcho",
            "-d",
            str(PROJECT),
            *start,
            "-c",
            "worker=2,relay=2",
        ],
        tmp_path / "honcho.log",
        ready="Uvicorn running on",
        env=environment,
        timeout=TIMEOUT,
    )
    database = create_sync_engine(environment["CLUB_DATABASE_URL"])
    try:
        with honcho:
            yield Club(honcho, f"http://127.0.0.1:{port}", database)
    finally:
        database.dispose()


@pytest.mark.parametrize("new_database_url", ["postgresql"], indirect=True)
def test_the_procfile_runs_the_club(club: Club) -> None:
    with httpx.Client(base_url=club.api_url) as api:
        for number, (title, authors) in enumerate(BOOKS.items()):
            book = as_json(numbered_registration(number, title, authors))
            assert api.post("/books", json=book).status_code == 201

    probe(partial(assert_counted, club.database, "Terry Pratchett", 2), TIMEOUT)
    probe(partial(assert_counted, club.database, "Neil Gaiman", 2), TIMEOUT)
    # Stopped once each task has logged that it succeeded: the checks of the
    # logs below read those lines.
    probe(partial(assert_tasks_ended, club.honcho, len(BOOKS)), TIMEOUT)

    processes = psutil.Process(club.honcho.pid).children(recursive=True)
    os.kill(club.honcho.pid, signal.SIGTERM)
    _, running = psutil.wait_procs(processes, timeout=TIMEOUT)
    club.honcho.stop()  # it has stopped: forget it, and close its log

    assert running == []
    assert len(club.honcho.lines_with("stopped (rc=")) == 5  # api, 2 relays, 2 workers
    assert club.honcho.lines_with("SIGKILL") == []  # each stopped on its SIGTERM
    # A log store can follow each registration, then each book's event,
    # through the programs; the line that stores an event names its command.
    lines = program_lines(club.honcho)
    journeys = journeys_in(lines)
    commands = message_ids(club.database, published=False)
    events = message_ids(club.database, published=True)
    assert len(commands) == len(events) == len(BOOKS)
    for command in commands:
        assert ("api", "reading_club.entrypoints.books") in journeys[command]
    causes = {
        entry["message_id"]: entry["caused_by"]
        for _, entry in lines
        if entry.get("caused_by")
    }
    for event in events:
        assert journeys[event] >= EVENT_JOURNEY, f"event {event}: {journeys[event]}"
        assert causes.get(event) in commands, f"event {event}: no command"


EVENT_JOURNEY = {
    ("api", "reading_club.adapters.sql.message_store"),  # stored
    ("relay", "reading_club.adapters.sql.outbox"),  # sent
    ("worker", "reading_club.catalogue"),  # indexed
    ("worker", "celery.app.trace"),  # succeeded
}
"""Who says what about a book's event: the program, and its logger."""

PROGRAM_LINE = re.compile(r"^\S+ (?P<program>[a-z]+)(\.\d+)? *\| (?P<line>.*)$")
"""A line of honcho's: the time, the program (``worker.2``), what it wrote."""

WORKER_PRINTS = {"", "worker: Warm shutdown (MainProcess)"}
"""What a worker prints as it stops, on its standard output, not as a log line."""


def program_lines(honcho: Program) -> list[tuple[str, dict[str, Any]]]:
    """Each line a program wrote, with the program's name. Every line must
    be a JSON object, but for what a worker prints as it stops."""
    lines: list[tuple[str, dict[str, Any]]] = []
    not_json: set[str] = set()
    for line in honcho.log_text().splitlines():
        match = PROGRAM_LINE.match(line)
        assert match, f"not a line of honcho's: {line!r}"
        program, text = match["program"], match["line"]
        if program == "system":
            continue
        try:
            entry = json.loads(text)
        except json.JSONDecodeError:
            entry = None
        if isinstance(entry, dict):
            lines.append((program, entry))
        elif not (program == "worker" and text in WORKER_PRINTS):
            not_json.add(program)
    assert not not_json, f"programs that wrote lines not in JSON: {sorted(not_json)}"
    return lines


def journeys_in(
    lines: list[tuple[str, dict[str, Any]]],
) -> dict[str, set[tuple[str, str]]]:
    """For each message id, the programs, and their loggers, that wrote a
    line about it."""
    journeys: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
    for program, entry in lines:
        if entry.get("message_id") is not None:
            journeys[entry["message_id"]].add((program, entry["name"]))
    return journeys


def message_ids(database: Engine, *, published: bool) -> list[str]:
    """The ids of the messages the club stored: its events, which it
    publishes, or its commands."""
    messages = tables.messages.c
    query = select(messages.message_id).where(messages.published.is_(published))
    with database.connect() as connection:
        return [str(message_id) for message_id in connection.scalars(query)]


def as_json(command: RegisterBook) -> dict[str, object]:
    return command.model_dump(mode="json", include={"id", "title", "authors", "isbn"})


def assert_tasks_ended(honcho: Program, tasks: int) -> None:
    ended = len(honcho.lines_with("] succeeded in"))
    assert ended == tasks, f"{ended} of {tasks} tasks ended"
