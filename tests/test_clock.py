"""Moving the clock of a step's processes, and knowing which steps to move."""

import os
import subprocess
import sys
import time

import pytest

from cookbook.clock import moved_clock, shows_the_clock

DAY = 24 * 3600


def test_the_clock_of_a_program_moves_by_the_offset() -> None:
    environment = {**os.environ, **moved_clock("+213d")}
    before = time.time()

    printed = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    moved_by = float(printed) - before
    assert 213 * DAY - 60 < moved_by < 213 * DAY + 60, f"moved by {moved_by} s"


@pytest.mark.parametrize(
    "output",
    [
        "E   assert {'id': '01a20...'title': None} == {'id': '01a20...itle': 'Dune'}",
        "E   assert {'id': '01a...'title': None} == {}",
        "<Book id=UUID('01a204af-5af0-79b4-99b7-c6ff700abf7a') title='Dune'>",
        "[parameters: ('01a204af72e577c9b6017ac27044ff8c', '2026-11-22 19:15:36')]",
        "released on 2026-11-22",
    ],
)
def test_output_with_ids_or_times_shows_the_clock(output: str) -> None:
    assert shows_the_clock(output)


@pytest.mark.parametrize(
    "output",
    [
        "=== 3 passed in 0.12s ===",
        "assert 2 == 3",
        "127.0.0.1:6379",
        "<uuid> already",
        # The start of 'Book 0', cut short by pytest: hex, but no time.
        "assert ['Book 2', 'B... 0', 'Book 1'] == ['Book 0', 'B... 2', 'Book 3']",
    ],
)
def test_output_without_them_does_not(output: str) -> None:
    assert not shows_the_clock(output)
