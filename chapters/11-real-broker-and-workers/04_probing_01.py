"""Waiting for what another process does, without sleeping for a guess.

A probe is a function that asserts something about the world: a row in a
table, a key in Redis. ``probe`` calls it until it stops raising
``AssertionError``, or until a deadline; ``probe_never`` calls it for a whole
interval, to show that something does not happen. Both block: from an async
test, run them in a thread with ``asyncio.to_thread``.
"""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def probe(assertion: Callable[[], T], timeout: float, interval: float = 0.01) -> T:
    """Call ``assertion`` until it passes, and return what it returns.

    After ``timeout`` seconds, its last ``AssertionError`` is raised: the
    failure says what was still wrong, not only that time ran out. Any other
    exception is not a "not yet", and is raised at once.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return assertion()
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
        time.sleep(interval)


def probe_never(
    assertion: Callable[[], object], during: float, interval: float = 0.01
) -> None:
    """Check that ``assertion`` holds all through the next ``during`` seconds.

    The first failure is raised at once. Passing shows only that nothing
    happened in that interval: choose it longer than the effect would take.
    """
    deadline = time.monotonic() + during
    while True:
        assertion()
        if time.monotonic() >= deadline:
            return
        time.sleep(interval)
