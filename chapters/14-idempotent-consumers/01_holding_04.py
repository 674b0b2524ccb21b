"""Holding a task at a chosen point, until the test lets it go on.

To kill a worker mid-task, a test must know that the task is there; to show
a race every time, it must keep a consumer from being quick. Sleeping for a
guess would be slow, and wrong now and then. Instead, the task and the test
share a directory, named by the worker's ``HOLD_DIR`` environment variable:

- the test arms the hold: it creates ``hold-<where>``;
- the task, once at ``where``, writes ``<its pid>.holding``, then waits
  until ``release`` exists;
- the test waits for the ``.holding`` file, does what it came for, and
  creates ``release``.

The task's side is ``hold_if_armed``; the test's side is ``Hold``.
"""

import os
from functools import partial
from pathlib import Path
from typing import Literal

from probing import probe

Where = Literal["mail_server", "before_commit", "after_task"]
"""Where a task can hold: the stand-in's mail server, or in the club's
worker, inside a transaction or after the task (``hold_points.py``)."""

HOLD_LIMIT = 30.0
"""Seconds a task holds at most: a test that never releases it fails, and
does not leave a worker stuck forever."""


def hold_if_armed(where: Where) -> None:
    """In the task: hold here, if the test armed the hold at ``where``."""
    directory = os.environ.get("HOLD_DIR")
    if directory is None or not Path(directory, f"hold-{where}").exists():
        return
    Path(directory, f"{os.getpid()}.holding").write_text(where)
    probe(partial(_released, Path(directory)), HOLD_LIMIT)


def _released(directory: Path) -> None:
    assert (directory / "release").exists(), f"not released in {HOLD_LIMIT} s"


class Hold:
    """The test's side: arm the hold, see who holds, release them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(exist_ok=True)

    def arm(self, where: Where) -> None:
        """The next task that reaches ``where`` holds there."""
        (self.directory / "release").unlink(missing_ok=True)
        (self.directory / f"hold-{where}").touch()

    def wait_until_holding(self, timeout: float) -> int:
        """The pid of the process whose task holds, once one does."""
        return probe(self._holder, timeout)

    def _holder(self) -> int:
        holding = list(self.directory.glob("*.holding"))
        assert holding, f"no task has reached the hold in {self.directory}"
        if len(holding) > 1:
            raise RuntimeError(f"{len(holding)} tasks hold, not one: {holding}")
        return int(holding[0].stem)

    def release(self) -> None:
        """Let every holding task go on; the tasks that follow do not hold."""
        for armed in self.directory.glob("hold-*"):
            armed.unlink()
        (self.directory / "release").touch()
