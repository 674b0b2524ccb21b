"""Servers and workers that the tests start in processes of their own.

Each process runs in a session of its own, so that stopping its process
group also stops whatever it started, and writes its output to a log file,
which the error quotes when it fails to start.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import redis

from probing import probe


@dataclass(frozen=True)
class Process:
    """A program started by the tests, and where its output goes."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def assert_alive(self) -> None:
        """Raise, with the end of its log, if the program has exited."""
        code = self.popen.poll()
        if code is not None:
            tail = self.log.read_text(errors="replace").splitlines()[-20:]
            raise RuntimeError(
                f"{self.name} exited with code {code}; its log ends with:\n"
                + "\n".join(tail)
            )


def spawn(
    name: str, args: list[str], log: Path, env: Mapping[str, str] | None = None
) -> Process:
    """Start ``args`` in a new session, with its output in ``log``."""
    with log.open("wb") as output:
        try:
            popen = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                start_new_session=True,
            )
        except FileNotFoundError as error:
            message = f"cannot start {name}: no program at {args[0]}"
            raise RuntimeError(message) from error
    return Process(name, popen, log)


def stop_all(processes: list[Process], timeout: float = 10.0) -> None:
    """Ask every process group to stop (SIGTERM), then kill what is left.

    All are asked at once: a Celery worker only notices between two waits
    for the broker (up to its polling interval, one second by default), and
    one after the other that would add up. A group whose first process has
    exited may still hold processes it started: it is signalled too.
    """
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    end = time.monotonic() + timeout
    for process in processes:
        try:
            process.popen.wait(max(0.0, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.popen.wait()


def _signal_group(process: Process, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # it exited in the meantime
        os.killpg(process.popen.pid, signum)


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
