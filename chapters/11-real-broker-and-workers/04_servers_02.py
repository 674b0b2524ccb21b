"""The servers of the tests: a Redis, and Celery workers, ready when they say so."""

import socket
import sys
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


def start_redis(
    executable: str, directory: Path, timeout: float = 10.0
) -> tuple[Process, str]:
    """A redis-server on a free loopback port, saving nothing to disk.

    Another program may take the port between ``free_port`` and the server's
    start: then the server exits, and another port is tried.
    """
    for _ in range(3):
        port = free_port()
        server = spawn(
            "redis-server",
            [
                *(executable, "--port", str(port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(directory)),
            ],
            directory / f"redis-{port}.log",
        )
        url = f"redis://127.0.0.1:{port}/0"
        try:
            probe(partial(_answers, server, url), timeout)
        except RuntimeError as error:
            if "Address already in use" not in str(error):
                raise
            continue
        except BaseException:
            stop_all([server])  # started, but not handed over: stop it here
            raise
        return server, url
    raise RuntimeError("redis-server found no free port in 3 tries")


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
