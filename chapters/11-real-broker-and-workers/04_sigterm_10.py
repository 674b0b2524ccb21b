"""pytest stops on SIGTERM as it does on Ctrl-C: with every fixture's teardown."""

import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

SignalHandler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None

SIGTERM_BEFORE = pytest.StashKey[SignalHandler]()
"""How SIGTERM was handled before this plugin changed it."""


def pytest_configure(config: pytest.Config) -> None:
    """Stop on SIGTERM as on Ctrl-C: with every fixture's teardown.

    A CI job that times out, or a ``kill``, sends SIGTERM, and Python's
    default is to die at once, leaving the servers and workers that the
    fixtures started running. Ctrl-C raises ``KeyboardInterrupt``, and
    pytest tears everything down before it exits.
    """

    def interrupt(signum: int, frame: FrameType | None) -> None:
        # A second SIGTERM, which some CI runners send, must not cut the
        # teardown short: ignore the ones that follow.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    config.stash[SIGTERM_BEFORE] = signal.signal(signal.SIGTERM, interrupt)


def pytest_unconfigure(config: pytest.Config) -> None:
    signal.signal(signal.SIGTERM, config.stash[SIGTERM_BEFORE])
