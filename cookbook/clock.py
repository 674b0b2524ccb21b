"""Steps run with the clock moved, so that no transcript ages.

A transcript that shows an id or a time verifies today because the
normaliser masks them. Whether it masks every form they take (a whole uuid,
the few digits pytest keeps of one, a date, a ``datetime`` repr) is only
known by running the step at another time. ``moved_clock`` gives the
environment that does it: libfaketime, preloaded into the step's process and
every process it starts (Redis, workers), moves the wall clock by an offset,
and with it every uuid7, every ``created_at`` and every date. Monotonic
clocks, which durations and deadlines use, are left alone.
"""

import re
from collections.abc import Mapping

from cookbook.normalise import normalise

DEFAULT_OFFSET = "+213d"
"""About seven months ahead: a uuid7 made then differs from one made today
from its fourth hex digit on, and so does every date."""

CLOCK_MARKS = ("<uuid>", "<id>", "<timestamp>", "<date>", "<datetime>")
"""What the normaliser writes instead of an id or a time."""


class NoFakeTime(RuntimeError):
    """libfaketime is missing: the steps cannot be run at another time."""


SHORT_PIECE = re.compile(r"(?<=['\"])[0-9a-fA-F]{1,2}(?=\.\.\.)")
"""The one or two characters pytest keeps of a string it cuts short (``'B...``
of ``'Book 0'``). The normaliser masks them as it masks a longer piece of an
id, but they cannot hold a time: a uuid7's first two hex digits change once
in 34 years."""


def shows_the_clock(output: str) -> bool:
    """Whether ``output`` holds ids or times that the normaliser masks."""
    masked = normalise(SHORT_PIECE.sub("", output))
    return any(mark in masked and mark not in output for mark in CLOCK_MARKS)


def moved_clock(offset: str) -> Mapping[str, str]:
    """The environment that runs a program with its wall clock moved by
    ``offset`` (libfaketime's syntax: ``+213d``, ``-2h``)."""
    try:
        import libfaketime  # noqa: PLC0415  # only where a step moves the clock
    except ImportError as error:
        raise NoFakeTime(
            "steps that show ids or times are verified with the clock "
            f"moved by {offset}, which needs libfaketime: pip install libfaketime "
            "(nox -s chapter-NN installs it), or pass --clock-offset=none"
        ) from error
    _, preload = libfaketime.get_reload_information()
    return {
        **preload,
        "FAKETIME": offset,
        "DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_NO_CACHE": "1",
    }
