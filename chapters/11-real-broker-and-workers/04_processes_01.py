"""Programs that the tests start in processes of their own, and stop.

Each process runs in a session of its own, so that stopping its process
group also stops whatever it started, and writes its output to a log file,
which the error quotes when it fails to start.
"""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


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
