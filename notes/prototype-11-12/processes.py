"""Servers and workers that the tests start, and always stop.

Each process gets its own session (process group), so that stopping it also
stops whatever it started, and its output goes to a log file that the error
message quotes when it fails to start.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import redis

from probing import probe


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    log: Path
    name: str

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def assert_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            raise RuntimeError(
                f"{self.name} exited with code {code}; its log ends with:\n"
                + self.log_tail()
            )


def _die_with_parent() -> None:
    """In the child, before exec: Linux sends SIGTERM when the parent dies.

    So a pytest killed with SIGKILL, which runs no teardown, leaves no
    server or worker behind. Elsewhere this does nothing.
    """
    if sys.platform == "linux":
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(
    args: list[str], log: Path, name: str, env: Mapping[str, str] | None = None
) -> Started:
    with log.open("wb") as out:
        process = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # its own process group: killpg reaches all
            preexec_fn=_die_with_parent,
        )
    return Started(process, log, name)


def stop(started: Started, deadline: float = 10.0) -> str:
    """SIGTERM, wait up to ``deadline`` seconds, then SIGKILL the whole group.

    Returns how it ended: "exited", "terminated" or "killed".
    """
    process = started.process
    if process.poll() is not None:
        return "exited"
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(deadline)
        return "terminated"
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return "killed"
    except ProcessLookupError:
        process.wait()
        return "exited"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on, right now.

    Another program may take it before the server binds it: the caller
    retries when the server exits at start.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(executable: str, directory: Path, timeout: float = 10.0) -> tuple[Started, str]:
    """A redis-server on a free loopback port, nothing saved to disk."""
    for _attempt in range(3):
        port = free_port()
        started = spawn(
            [
                executable,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(directory),
            ],
            directory / f"redis-{port}.log",
            "redis-server",
        )
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5)

        def answers() -> None:
            started.assert_alive()
            try:
                assert client.ping()
            except redis.ConnectionError as error:
                raise AssertionError(f"redis-server on port {port}: {error}") from None

        try:
            probe(answers, timeout, interval=0.01)
            return started, url
        except RuntimeError:
            if "Address already in use" not in started.log_tail():
                raise
        finally:
            client.close()
    raise RuntimeError("no free port for redis-server after 3 attempts")


def spawn_worker(
    module: str, queue: str, name: str, directory: Path, env: Mapping[str, str]
) -> tuple[Started, Path]:
    """A Celery worker in its own process, and the file it writes when ready.

    The worker module writes the file named by ``READY_FILE`` from its
    ``worker_ready`` signal, once its consumer is started.
    """
    ready_file = directory / f"{name}.ready"
    ready_file.unlink(missing_ok=True)
    started = spawn(
        [
            sys.executable, "-m", "celery", "-A", module, "worker",
            "--pool=solo", "-Q", queue, "-n", f"{name}@%h",
            "--loglevel=INFO", "--without-heartbeat", "--without-gossip",
            "--without-mingle",
        ],
        directory / f"{name}.log",
        f"worker {name}",
        env={**env, "READY_FILE": str(ready_file)},
    )
    return started, ready_file


def wait_ready(started: Started, ready_file: Path, timeout: float = 20.0) -> None:
    def ready() -> None:
        started.assert_alive()  # a worker that crashed fails at once, with its log
        assert ready_file.exists(), f"{started.name} is not ready yet"

    probe(ready, timeout, interval=0.02)


def stop_all(processes: list[Started], deadline: float = 10.0) -> None:
    """Stop several processes at once: SIGTERM all, then wait, then SIGKILL.

    A Celery worker on Redis takes about a second to stop (its BRPOP waits
    up to one second), so stopping workers one after the other adds up.
    """
    for started in processes:
        try:
            os.killpg(started.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    end = time.monotonic() + deadline
    for started in processes:
        try:
            started.process.wait(max(0.0, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for started in processes:
        if started.process.poll() is None:
            try:
                os.killpg(started.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            started.process.wait()
