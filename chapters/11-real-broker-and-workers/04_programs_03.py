"""Programs that the tests start in processes of their own, and always stop.

mirakuru starts each in a process group of its own, marks it, and whatever
it starts, with an environment variable, and stops them all. A program
writes to a log file, which says when it is ready, and which a failure quotes.
"""

import atexit
import os
import subprocess
from collections.abc import Generator, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import IO, Self

import psutil
import pytest
from mirakuru import Executor
from mirakuru.base import cleanup_subprocesses
from mirakuru.exceptions import ProcessExitedWithError, ProcessFinishedWithError
from mirakuru.exceptions import TimeoutExpired as NotReadyInTime

TESTS = Path(__file__).parent


def _kill_what_this_process_left() -> None:
    """mirakuru 3.1's exit hook, matching marks that start with this
    process's id, not marks that contain it anywhere."""
    ours = f"{os.getpid()}:"
    for process in psutil.process_iter():
        with suppress(psutil.Error):
            if process.environ().get("mirakuru_uuid", "").startswith(ours):
                process.kill()


# mirakuru's own hook kills, as this process exits, every process on the
# machine whose mark contains this process's id: the end of process 3475
# would kill the programs of test run 13475 (marked "13475:...").
atexit.unregister(cleanup_subprocesses)
atexit.register(_kill_what_this_process_left)

RUNNING: list["Program"] = []  # started and not stopped, for failure reports


class Program(Executor):
    """A program with its output in ``log``, ready once ``ready`` is in it."""

    def __init__(
        self,
        name: str,
        command: list[str],
        log: Path,
        *,
        ready: str,
        env: Mapping[str, str],
        timeout: float = 30,
    ) -> None:
        # pytest's pythonpath is not passed on: the program imports the club's
        # modules, and the tests' stand-ins and hooks, from here.
        path = os.pathsep.join([str(TESTS), str(TESTS.parent / "src")])
        super().__init__(
            command,
            envvars={"PYTHONPATH": path, **env},
            stdin=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            timeout=timeout,  # to start, and to stop before it is killed
            sleep=0.01,
        )
        self.name, self.log, self.ready = name, log, ready
        self._output: IO[str] | None = None
        self._run_starts = 0  # where this run's output starts in the log

    def pre_start_check(self) -> bool:
        return False  # every start is a new process, never one found running

    def after_start_check(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise ProcessExitedWithError(self, self.process.returncode)
        return self.ready in self.log_text()[self._run_starts :]

    def launch(self) -> None:
        """Start the process, without waiting until it is ready."""
        self._output = self._stdout = self.log.open("a", encoding="utf-8")
        self._run_starts = len(self.log_text())
        super(Executor, self).start()
        RUNNING.append(self)

    def start(self) -> Self:
        self.launch()
        return self.wait_until_ready()

    def wait_until_ready(self) -> Self:
        """A program that exits first, or takes too long, fails with its log."""
        try:
            self.wait_for(self.check_subprocess)
        except (ProcessExitedWithError, NotReadyInTime) as error:
            self.stop()
            raise RuntimeError(
                f"{self.name} did not start: {error}\n{self.tail()}"
            ) from None
        return self

    def stop(
        self, stop_signal: int | None = None, expected_returncode: int | None = None
    ) -> Self:
        """Stop the program, then kill what is left: mirakuru's stop only sends
        the stop signal to the processes it marked, which a child may ignore."""
        with suppress(ProcessFinishedWithError):  # it had failed: its log says why
            super().stop(stop_signal, expected_returncode)
        self.kill()
        if self._output is not None:
            self._output.close()
        if self in RUNNING:
            RUNNING.remove(self)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} is not running"
        return self.process.pid

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def lines_with(self, text: str) -> list[str]:
        return [line for line in self.log_text().splitlines() if text in line]

    def tail(self, lines: int = 20) -> str:
        return "\n".join(
            [f"the end of {self.log}:", *self.log_text().splitlines()[-lines:]]
        )


def start_together(programs: Iterable[Program]) -> None:
    """Start the programs at once, then wait until each is ready."""
    started = list(programs)
    for program in started:
        program.launch()
    for program in started:
        program.wait_until_ready()


def stop_together(programs: Iterable[Program]) -> None:
    """Stop the programs at once: each takes a moment to notice."""
    with ThreadPoolExecutor() as pool:
        list(pool.map(Program.stop, programs))


def what_went_wrong(programs: Iterable[Program]) -> list[tuple[str, str]]:
    """The programs that died, and the tasks that raised, each with its log."""
    found = []
    for program in programs:
        if program.process is not None and program.process.poll() is not None:
            found.append((f"{program.name} has died", program.tail()))
        elif raised := program.lines_with("raised unexpected"):
            found.append((f"a task of {program.name} raised", "\n".join(raised)))
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A probe that times out says only that nothing happened: a failed test
    also says which program died, or which task raised."""
    report = yield
    if report.failed:
        report.sections.extend(what_went_wrong(RUNNING))
    return report
