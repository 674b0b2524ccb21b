"""Normalisation masks what changes between runs, and nothing else."""

import pytest

from cookbook.normalise import anonymise, mask_host, normalise


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("==== 3 passed in 0.12s ====", "=== 3 passed in 10.12s ==="),
        ("took 12ms", "took 873ms"),
        ("<Book at 0x7f3a2b1c9d00>", "<Book at 0x7f00deadbeef>"),
        (
            "id=01938e5e-7a4b-7c3d-9e2f-0123456789ab",
            "id=01938e60-0000-7c3d-9e2f-ba9876543210",
        ),
        (
            "~/reading-club/.venv/lib/python3.11/site-packages/aiosqlite/core.py:63",
            "../../.nox/chapter-08/lib/python3.11/site-packages/aiosqlite/core.py:63",
        ),
        (
            "[parameters: ('01a204a5d11a79e78b5af5152a3dc180', 2)]",
            "[parameters: ('01a204a6134e7052adea6e3a0cfe89f0', 2)]",
        ),
        ("at 2026-11-21T16:04:05.123456+00:00", "at 2025-01-02T03:04:05Z"),
        # Python's logging writes the milliseconds after a comma (Celery's log).
        (
            "[2026-12-05 01:52:12,781: ERROR/MainProcess] Task raised",
            "[2027-07-06 11:02:59,004: ERROR/MainProcess] Task raised",
        ),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:41234/0"),
        (
            "platform linux -- Python 3.11.7, pytest-9.2.0, pluggy-1.6.0",
            "platform linux -- Python 3.12.1, pytest-8.4.0, pluggy-1.5.0",
        ),
        ("plugins: asyncio-1.5.0, anyio-4.9.0", "plugins: asyncio-1.2.0, anyio-4.3.0"),
        ("line   \n", "line\n"),
        # pytest's truncated reprs keep a piece of the id on either side of
        # the cut: a uuid7's first digits are the month it was made in.
        (
            "assert {'id': '01a20...'title': None} == {'id': '01a20...itle': 'Dune'}",
            "assert {'id': '01a24...'title': None} == {'id': '01a24...itle': 'Dune'}",
        ),
        ("UUID('01a204af-5a...", "UUID('01b3ffee-00..."),
        ("'01a204af72e577c9...", "'01c9d0e1f2a3b4c5..."),
        ("...9e2f-0123456789ab')", "...ffff-ba9876543210')"),
        ('"01a2...', '"0200...'),
        ("released on 2026-11-22", "released on 2027-06-30"),
        # pytest's short summary cuts a line to the terminal's width.
        (
            "FAILED tests/test_a.py::test_b - AssertionError: not shouted on 2026-...",
            "FAILED tests/test_a.py::test_b - AssertionError: not shouted on 2027-...",
        ),
        (
            "FAILED tests/test_a.py::test_b - AssertionError: assert '01a20...",
            "FAILED tests/test_a.py::test_b - AssertionError: assert '0200a...",
        ),
        (
            "created_at=datetime.datetime(2026, 11, 22, 19, 15, 36, 781894)",
            "created_at=datetime.datetime(2027, 6, 1, 0, 0, tzinfo=datetime.UTC)",
        ),
        ("in 61.20s (0:01:01)", "in 62.00s (0:01:02)"),
        # A run of a minute or more, on a slower machine, gains the h:mm:ss.
        ("=== 56 passed in 52.10s ===", "=== 56 passed in 72.65s (0:01:12) ==="),
        ("=== 1 failed in 0.52s ===", "=== 1 failed in 86405.00s (1 day, 0:00:05) ==="),
    ],
)
def test_run_dependent_details_are_masked(first: str, second: str) -> None:
    assert normalise(first) == normalise(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("3 passed", "2 passed, 1 failed"),
        ("assert 2 == 3", "assert 2 == 4"),
        (
            "tests/test_book.py::test_title PASSED",
            "tests/test_book.py::test_title FAILED",
        ),
        ("test_2s_are_kept PASSED", "test_3s_are_kept PASSED"),
        ("plugins: asyncio-1.5.0", "plugins: anyio-1.5.0"),
        # Only pytest's h:mm:ss after a duration goes.
        ("opened at (0:01:12)", "opened at (0:01:13)"),
        # Only a piece of hex beside the cut is an id; the words are kept.
        ("{'title': 'Dun...ne'}", "{'title': 'Emm...ma'}"),
        ("assert 'Dune...' == 'Emma'", "assert 'Emma...' == 'Emma'"),
        (
            "FAILED tests/test_a.py::test_b - AssertionError: Dune counted tw...",
            "FAILED tests/test_a.py::test_b - AssertionError: Dune counted on...",
        ),
    ],
)
def test_real_changes_are_kept(first: str, second: str) -> None:
    assert normalise(first) != normalise(second)


def test_anonymise_replaces_a_path_only_where_it_stands_as_one() -> None:
    text = "/root/x and mysql://root:secret@db and /rooted and /root"

    result = anonymise(text, {"/root": "~"})

    assert result == "~/x and mysql://root:secret@db and /rooted and ~"


def test_anonymise_replaces_longer_paths_first() -> None:
    text = "/work/x/build/step-01/.venv/lib/site.py and /work/x/build/step-01/tests"

    result = anonymise(
        text,
        {
            "/work/x/build/step-01": "~/reading-club",
            "/work/x/build/step-01/.venv": "~/reading-club/.venv",
        },
    )

    assert result == "~/reading-club/.venv/lib/site.py and ~/reading-club/tests"


def shuffled_run(seed: int, results: list[str], marks: str) -> str:
    """What pytest -v prints with pytest-randomly, the percentages included."""
    lines = [f"Using --randomly-seed={seed}"]
    for index, result in enumerate(results, start=1):
        lines.append(f"{result}    [{100 * index // len(results):3d}%]")
    lines.append(f"tests/test_b.py {marks}    [100%]")
    return "\n".join(lines) + "\n"


ONE = "tests/test_a.py::test_one PASSED"
TWO = "tests/test_a.py::test_two FAILED"


def test_a_shuffled_run_compares_in_a_stable_order() -> None:
    first = shuffled_run(1, [ONE, TWO], ".F.")
    second = shuffled_run(2, [TWO, ONE], "F..")

    assert normalise(first) == normalise(second)


def test_a_shuffled_run_still_shows_outcomes() -> None:
    passing = shuffled_run(1, [ONE, TWO.replace("FAILED", "PASSED")], "...")
    failing = shuffled_run(1, [ONE, TWO], "...")

    assert normalise(passing) != normalise(failing)


def test_order_matters_without_a_random_seed() -> None:
    in_order = f"{ONE}\n{TWO}\n"

    assert normalise(in_order) != normalise(f"{TWO}\n{ONE}\n")


def test_the_machines_name_is_masked_where_it_stands_as_a_word() -> None:
    log = "catalogue@3f9c1d2e7a6b ready. (host 3f9c1d2e7a6b)"

    masked = mask_host(log, "3f9c1d2e7a6b")

    assert masked == "catalogue@<host> ready. (host <host>)"


@pytest.mark.parametrize("hostname", ["ci", "localhost"])
def test_a_name_that_could_be_a_word_is_left_alone(hostname: str) -> None:
    assert mask_host("ci runs on localhost", hostname) == "ci runs on localhost"


def test_a_longer_word_that_holds_the_name_is_kept() -> None:
    assert mask_host("mainframe domain main", "main") == "mainframe domain <host>"
