"""pytest stops on SIGTERM as on Ctrl-C: with every fixture's teardown.

A CI job that times out, or a ``kill``, sends SIGTERM, and Python's default
is to die at once, leaving the servers and workers of the fixtures running.
"""

import signal
from types import FrameType

import pytest


def pytest_configure(config: pytest.Config) -> None:
    def interrupt(signum: int, frame: FrameType | None) -> None:
        # A second SIGTERM, which some CI runners send, must not cut the
        # teardown short: ignore the ones that follow.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)
