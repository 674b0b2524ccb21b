"""The club as a reader runs it: ``honcho start`` and the project's Procfile,
every program a process of its own, books registered over HTTP."""

import os
import signal
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import psutil
import pytest
import redis
from port_for import get_port
from sqlalchemy import Engine

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


@pytest.fixture
def command_on_path(tmp_path: Path) -> str:
    """A ``reading-club`` command, as ``pip install`` of the project makes
    one: the tests run the project from its folder, without installing it."""
    script = tmp_path / "bin" / "reading-club"
    script.parent.mkdir()
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m reading_club "$@"\n')
    script.chmod(0o755)
    return f"{script.parent}{os.pathsep}{os.environ['PATH']}"


@pytest.fixture
def honcho(
    command_on_path: str,
    redis_url: str,
    database_url: str,
    book_data_url: str,
    empty_database: Engine,
    tmp_path: Path,
) -> Iterator[tuple[Program, str]]:
    """``honcho start -c worker=2`` in the project's folder, and the API's URL.

    The broker is a database of the session's Redis that no test's worker
    reads. An empty file stands for honcho's ``.env``: a reader's own,
    beside the Procfile, must not point the test at their database.
    """
    broker_url = redis_url.removesuffix("/0") + "/2"
    with redis.Redis.from_url(broker_url) as client:
        client.flushdb()
    port = get_port(None)
    (tmp_path / "empty.env").touch()
    start = ["start", "-e", str(tmp_path / "empty.env"), "-p", str(port)]
    env = {
        "PATH": command_on_path,
        "CLUB_DATABASE_URL": database_url,
        "CLUB_BROKER_URL": broker_url,
        "CLUB_BOOK_DATA_URL": book_data_url,
    }
    command = [sys.executable, "-m", "honcho", "-d", str(PROJECT), *start]
    honcho = Program(
        "honcho",
        [*command, "-c", "worker=2"],
        tmp_path / "honcho.log",
        ready="Uvicorn running on",
        env=env,
        timeout=TIMEOUT,
    )
    with honcho:
        yield honcho, f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_procfile_runs_the_club(
    honcho: tuple[Program, str], reader: Engine
) -> None:
    program, api_url = honcho
    with httpx.Client(base_url=api_url) as api:
        for number, (title, authors) in enumerate(BOOKS.items()):
            book = as_json(numbered_registration(number, title, authors))
            assert api.post("/books", json=book).status_code == 201

    probe(partial(assert_counted, reader, "Terry Pratchett", 2), TIMEOUT)
    probe(partial(assert_counted, reader, "Neil Gaiman", 2), TIMEOUT)
    # Stopped between two tasks: honcho sends SIGTERM to each process group,
    # and a worker's pool processes would stop in the middle of their task.
    probe(partial(assert_tasks_ended, program, len(BOOKS)), TIMEOUT)

    processes = psutil.Process(program.pid).children(recursive=True)
    os.kill(program.pid, signal.SIGTERM)
    _, running = psutil.wait_procs(processes, timeout=TIMEOUT)

    assert running == []
    assert len(program.lines_with("stopped (rc=")) == 4  # api, relay, 2 workers
    assert program.lines_with("SIGKILL") == []  # each stopped on its SIGTERM


def as_json(command: RegisterBook) -> dict[str, object]:
    return command.model_dump(mode="json", include={"id", "title", "authors", "isbn"})


def assert_tasks_ended(program: Program, tasks: int) -> None:
    ended = len(program.lines_with("] succeeded in"))
    assert ended == tasks, f"{ended} of {tasks} tasks ended"
