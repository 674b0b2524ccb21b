import os
import signal
import subprocess
import sys
from contextlib import suppress
from functools import partial
from pathlib import Path

import psutil
import pytest

from probing import probe, probe_never
from processes import club_worker
from programs import Program, what_went_wrong

IGNORES_SIGTERM = """
import signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ignoring SIGTERM", flush=True)
while True:
    signal.pause()
"""

DIES_ON_SIGUSR1 = """
import signal, sys
signal.signal(signal.SIGUSR1, lambda *_: sys.exit(3))
print("waiting for SIGUSR1", flush=True)
while True:
    signal.pause()
"""

# The parent says it is ready once its child is: the child's own line could
# come first, and the test would read the log before the parent's.
LEAVES_A_CHILD = f"""
import subprocess, sys
code = {IGNORES_SIGTERM!r}
child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
child.stdout.readline()
print("child", child.pid, "ignoring SIGTERM", flush=True)
child.wait()
"""


def program(tmp_path: Path, code: str, ready: str, timeout: float = 30) -> Program:
    command = [sys.executable, "-c", code]
    log = tmp_path / "log"
    return Program("stubborn", command, log, ready=ready, env={}, timeout=timeout)


def test_a_missing_program_is_named(tmp_path: Path) -> None:
    missing = Program(
        "redis", ["/nowhere/redis-server"], tmp_path / "log", ready="", env={}
    )

    with pytest.raises(FileNotFoundError, match="/nowhere/redis-server"):
        missing.start()


def test_a_program_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    # One second to start, and to stop before it is killed: 30 s otherwise.
    stubborn = program(tmp_path, IGNORES_SIGTERM, "ignoring SIGTERM", timeout=1)
    stubborn.start()
    process = psutil.Process(stubborn.pid)

    stubborn.stop()

    probe(partial(assert_dead, process), timeout=5)


def test_a_child_that_outlives_its_parent_is_killed(tmp_path: Path) -> None:
    parent = program(tmp_path, LEAVES_A_CHILD, ready="ignoring SIGTERM").start()
    [line] = parent.lines_with("child")
    child = psutil.Process(int(line.split()[1]))

    parent.stop()  # the parent dies of SIGTERM; its child ignores it

    probe(partial(assert_dead, child), timeout=5)


def test_a_program_that_died_is_named_with_its_log(tmp_path: Path) -> None:
    dying = program(tmp_path, DIES_ON_SIGUSR1, ready="waiting").start()
    os.kill(dying.pid, signal.SIGUSR1)
    probe(partial(assert_dead, psutil.Process(dying.pid)), timeout=5)

    [(title, log)] = what_went_wrong([dying])

    assert title == "stubborn has died"
    assert log.endswith("waiting for SIGUSR1")
    dying.stop()


def test_a_test_run_that_ends_kills_no_program_of_another() -> None:
    other = run_that_ends(mark="9{pid}:another-run")
    try:
        probe_never(partial(assert_running, other), during=0.5)
    finally:
        other.kill()


def test_a_test_run_that_ends_kills_what_it_left_running() -> None:
    left = run_that_ends(mark="{pid}:left-running")
    try:
        probe(partial(assert_dead, left), timeout=5)
    finally:
        with suppress(psutil.NoSuchProcess):
            left.kill()


def run_that_ends(mark: str) -> psutil.Process:
    """A Python process that loads the harness, starts a program marked
    ``mark`` (with its own id for ``{pid}``), and ends once the test holds
    the program; the program."""
    code = f"""
import os, subprocess, sys
import programs
env = {{"mirakuru_uuid": {mark!r}.format(pid=os.getpid())}}
waits = [sys.executable, "-c", "import signal; signal.pause()"]
program = subprocess.Popen(waits, env=env, stdout=subprocess.DEVNULL)
print(program.pid, flush=True)
sys.stdin.readline()
"""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    command = [sys.executable, "-c", code]
    pipes = subprocess.PIPE
    with subprocess.Popen(
        command, env=env, stdin=pipes, stdout=pipes, text=True
    ) as ending:
        assert ending.stdout is not None
        line = ending.stdout.readline()
        program = psutil.Process(int(line)) if line else None
        ending.communicate("")  # it ends
    assert program is not None, f"the ending process failed (exit {ending.returncode})"
    return program


def assert_running(process: psutil.Process) -> None:
    running = process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    assert running, f"process {process.pid} was killed"


def test_a_worker_that_cannot_start_fails_at_once_with_its_log(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'club.sqlite'}"
    env = {"CLUB_DATABASE_URL": database, "CLUB_BROKER_URL": "localhost:6379"}
    worker = club_worker("catalogue", tmp_path, env)

    with pytest.raises(RuntimeError, match="CLUB_BROKER_URL is not a URL"):
        worker.start()


def assert_dead(process: psutil.Process) -> None:
    """Gone, or a zombie: dead, and not yet reaped by its parent, which for
    an orphan may be a process that never reaps."""
    gone = not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    assert gone, f"process {process.pid} is still running"
