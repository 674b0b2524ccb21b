"""Waiting for something another process does, without sleeping blindly.

A probe is a function that asserts something about the world. ``probe``
calls it until it stops raising ``AssertionError`` or the deadline passes;
``probe_never`` calls it for a whole interval and fails as soon as it does
not hold. Both are synchronous: from an async test, run them with
``await asyncio.to_thread(probe, ...)``.
"""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def probe(assertion: Callable[[], T], timeout: float, interval: float = 0.1) -> T:
    """Call ``assertion`` until it passes; return what it returns.

    After ``timeout`` seconds, the last ``AssertionError`` is raised again,
    so the failure says what was still wrong, not only that time ran out.
    Any other exception is a bug in the probe: it is raised at once.
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
    assertion_of_absence: Callable[[], object], during: float, interval: float = 0.1
) -> None:
    """Check ``assertion_of_absence`` again and again for ``during`` seconds.

    The first failure is raised at once. Passing proves only that nothing
    happened in that interval: choose it longer than the effect would take.
    """
    deadline = time.monotonic() + during
    while True:
        assertion_of_absence()
        if time.monotonic() >= deadline:
            return
        time.sleep(interval)
