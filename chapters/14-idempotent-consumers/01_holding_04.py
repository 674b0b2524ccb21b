"""Holding a task at a chosen point until the test lets it go on: to kill a
worker there, or to keep a consumer from being quick, without sleeping.

The task and the test share the directory named by the worker's ``HOLD_DIR``:
the test arms a hold by creating ``hold-<where>``; a task that reaches
``where`` writes ``<its pid>.holding`` and waits for ``release``; the test
waits for the ``.holding`` file, does what it came for, and releases.
"""

import os
from functools import partial
from pathlib import Path
from typing import Literal

from probing import probe

Where = Literal["mail_server", "before_commit", "after_task"]
"""The stand-in's mail server; in the club's worker (``hold_points.py``),
inside a transaction, or after the task."""

HOLD_LIMIT = 30.0
"""Seconds a task holds at most, should a test never release it."""


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
        for stale in [self.directory / "release", *self.directory.glob("*.holding")]:
            stale.unlink(missing_ok=True)
        (self.directory / f"hold-{where}").touch()

    def wait_until_holding(self, timeout: float) -> int:
        """The pid of the process whose task holds, once one does."""
        return probe(self._holder, timeout)

    def _holder(self) -> int:
        holding = list(self.directory.glob("*.holding"))
        assert len(holding) == 1, f"tasks holding in {self.directory}: {holding}"
        return int(holding[0].stem)

    def release(self) -> None:
        """Let every holding task go on; the tasks that follow do not hold."""
        for armed in self.directory.glob("hold-*"):
            armed.unlink()
        (self.directory / "release").touch()
