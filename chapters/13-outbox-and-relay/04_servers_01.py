"""The servers of the tests: a Redis, and Celery workers, ready when they say so."""

import os
import socket
import sys
import time
from collections.abc import Mapping
from functools import partial
from pathlib import Path

import redis

from probing import probe
from processes import Process, spawn, stop_all


def free_port() -> int:
    """A loopback port that nothing listens on, right now."""
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port: int = probe_socket.getsockname()[1]
        return port


class RedisServer:
    """A redis-server on a loopback port, which a test can stop and start again.

    The port is chosen at the first start, and kept: started again, the
    server is back where its clients look for it. What it has accepted
    survives a restart, in an append-only file in ``directory``.
    """

    def __init__(self, executable: str, directory: Path) -> None:
        self.executable = executable
        self.directory = directory
        self.port: int | None = None
        self.process: Process | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the Redis server has not been started yet")
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        """Start the server, on its port; the first time, on a free one.

        Another program may take a free port before the server does: then
        the server exits, and another port is tried.
        """
        for _ in range(1 if self.port else 3):
            port = self.port or free_port()
            server = spawn("redis-server", self._args(port), self._log(port))
            url = f"redis://127.0.0.1:{port}/0"
            try:
                probe(partial(_answers, server, url), timeout)
            except BaseException as error:
                stop_all([server])
                taken = "Address already in use" in str(error)
                if self.port or not taken:
                    raise
                continue
            self.port, self.process = port, server
            return
        raise RuntimeError("redis-server found no free port in 3 tries")

    def stop(self) -> None:
        """Stop the server; it saves its append-only file as it exits."""
        if self.process is not None:
            stop_all([self.process])
            self.process = None

    def _args(self, port: int) -> list[str]:
        return [
            *(self.executable, "--port", str(port), "--bind", "127.0.0.1"),
            # No snapshots; every write goes to the append-only file instead.
            *("--save", "", "--appendonly", "yes", "--dir", str(self.directory)),
        ]

    def _log(self, port: int) -> Path:
        return self.directory / f"redis-{port}-{time.monotonic_ns()}.log"


def _answers(server: Process, url: str) -> None:
    """Our server answers on ``url``: not yet, or another one that took the port."""
    server.assert_alive()
    with redis.Redis.from_url(url, socket_connect_timeout=0.5) as client:
        try:
            info = client.info("server")
        except redis.ConnectionError as error:
            raise AssertionError(f"{url} does not answer yet: {error}") from None
    if info["process_id"] != server.popen.pid:
        raise RuntimeError(f"another Redis answers on {url}: Address already in use")


def start_worker(
    app: str, queue: str, directory: Path, env: Mapping[str, str]
) -> tuple[Process, Path]:
    """A Celery worker for ``queue``, and the file it writes once it is ready.

    The worker's application writes the file named by ``READY_FILE`` from
    Celery's ``worker_ready`` signal.
    """
    ready_file = directory / f"{queue}.ready"
    ready_file.unlink(missing_ok=True)
    worker = spawn(
        f"the {queue} worker",
        [
            *(sys.executable, "-m", "celery", "-A", app, "worker", "--pool=solo"),
            *("--queues", queue, "--hostname", f"{queue}@%h", "--loglevel=INFO"),
            *("--without-heartbeat", "--without-gossip", "--without-mingle"),
        ],
        directory / f"{queue}.log",
        {**env, "READY_FILE": str(ready_file)},
    )
    return worker, ready_file


def wait_until_ready(worker: Process, ready_file: Path, timeout: float = 30.0) -> None:
    """Wait for the ready file; a worker that exits fails at once, with its log."""

    def ready() -> None:
        worker.assert_alive()
        assert ready_file.exists(), f"{worker.name} is not ready after {timeout} s"

    probe(ready, timeout)


TESTS = Path(__file__).parent


def python_path() -> Mapping[str, str]:
    """pytest's pythonpath setting is not passed on to other processes:
    the environment of a program that imports the tests' modules, or the
    club's."""
    paths = [str(TESTS), str(TESTS.parent / "src"), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(paths)}


def start_relay(directory: Path, env: Mapping[str, str]) -> Process:
    """The club's relay, ``python -m reading_club.entrypoints.relay``."""
    return spawn(
        "the relay",
        [sys.executable, "-m", "reading_club.entrypoints.relay"],
        directory / f"relay-{time.monotonic_ns()}.log",
        env,
    )
