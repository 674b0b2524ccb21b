"""The root conftest.py: pytest collects a chapter folder, one item per step."""

from datetime import date
from pathlib import PurePosixPath
from xml.etree import ElementTree

import pytest
from conftest import SampleBook

from cookbook.manifest import load_chapters
from cookbook.paths import CHAPTERS_DIR
from cookbook.state import state_at

CONFTEST = 'pytest_plugins = ["cookbook.pytest_plugin"]\n'


@pytest.fixture
def book(pytester: pytest.Pytester, recorded_template: SampleBook) -> SampleBook:
    """The recorded sample book as ``chapters/`` of a pytester folder."""
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\n")
    return SampleBook(pytester.path, template=recorded_template)


def run(pytester: pytest.Pytester, *arguments: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:asyncio", *arguments)


def test_one_item_per_step_that_runs_a_command(
    pytester: pytest.Pytester, book: SampleBook
) -> None:
    result = run(pytester, "chapters", "-v")

    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "chapters/01-first/chapter.toml::step-02 PASSED*",
            "chapters/02-second/chapter.toml::step-01 PASSED*",
            "chapters/02-second/chapter.toml::step-02 PASSED*",
            "*chapter steps*",
            "chapter 02 step  1  pytest -q -p no:cacheprovider  expected fail, got*",
        ]
    )
    # Snippet files are never collected as tests, and steps run in their
    # own folders beside the book.
    assert (pytester.path / "build" / "states" / "02-second" / "step-01").is_dir()


def test_k_picks_a_step(pytester: pytest.Pytester, book: SampleBook) -> None:
    result = run(pytester, "chapters/02-second", "-k", "step-02")

    result.assert_outcomes(passed=1, deselected=1)


def test_step_stops_after_a_step(pytester: pytest.Pytester, book: SampleBook) -> None:
    result = run(pytester, "chapters", "--step", "1")

    result.assert_outcomes(passed=1, deselected=2)


def test_a_drifted_transcript_fails_with_a_diff_and_reruns_with_lf(
    pytester: pytest.Pytester, book: SampleBook
) -> None:
    path = book.path("01-first/transcripts/step-02.txt")
    path.write_text(path.read_text().replace("1 passed", "2 passed"))
    junit = pytester.path / "junit.xml"

    result = run(pytester, "chapters", f"--junitxml={junit}")

    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*step-02: pytest -q -p no:cacheprovider*",
            "*/chapters/01-first/transcripts/step-02.txt: this run's output differs*",
            "-2 passed in <duration>",
            "+1 passed in <duration>",
        ]
    )
    (failure,) = ElementTree.parse(junit).getroot().iter("failure")
    assert "01-first/transcripts/step-02.txt" in failure.attrib["message"]

    rerun = run(pytester, "chapters", "--lf")
    rerun.assert_outcomes(failed=1)
    assert "rerun previous 1 failure" in rerun.stdout.str()

    recorded = run(pytester, "chapters", "--lf", "--record", "-v")
    recorded.stdout.fnmatch_lines(["*step-02 RECORDED*"])
    assert "1 passed in" in path.read_text()


def test_a_wrong_outcome_names_the_manifest(
    pytester: pytest.Pytester, book: SampleBook
) -> None:
    book.replace("01-first/01_greet_02.py", "Hello", "Bye")

    result = run(pytester, "chapters", "-x")

    result.assert_outcomes(failed=1)  # -x: chapter 02 is not reported
    result.stdout.fnmatch_lines(
        [
            "*/chapters/01-first/chapter.toml: step 2 (*) was expected to pass*",
            "*AssertionError*",
        ]
    )


def test_a_broken_manifest_is_a_collection_error_naming_the_file(
    pytester: pytest.Pytester, book: SampleBook
) -> None:
    book.write("01-first/02_unused_02.py", "x = 1\n")

    result = run(pytester, "chapters/02-second")

    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["*/chapters/01-first/02_unused_02.py: no step of chapter.toml uses this file*"]
    )


def test_the_machinery_tests_are_not_chapters(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_plain="def test_plain() -> None:\n    pass\n")

    run(pytester).assert_outcomes(passed=1)


def test_no_chapter_project_can_load_the_root_conftest() -> None:
    """A step's pytest runs in build/states/..., inside the repository. It
    stays out of the root conftest.py because the project's pyproject.toml
    configures pytest, at every step of every chapter: pytest's search for
    conftest.py files stops at the folder of its configuration file."""
    chapters = load_chapters(CHAPTERS_DIR)
    for chapter in chapters:
        for step in chapter.steps:
            if step.command is None:
                continue
            pyproject = state_at(chapters, chapter.number, step.number).get(
                PurePosixPath("pyproject.toml")
            )
            assert pyproject is not None, (chapter.label, step.number)
            assert "[tool.pytest" in pyproject.read_text(), (pyproject, step.number)


DATED_SHOUT = """\
import datetime

import greet


def test_shout() -> None:
    today = datetime.date.today()
    shout = getattr(greet, "shout", lambda name: name)
    assert shout("Ada") == "HELLO, ADA!", f"not shouted on {today.isoformat()}"
"""


def test_a_step_that_shows_a_date_is_verified_at_another_time(
    pytester: pytest.Pytester, book: SampleBook
) -> None:
    book.write("02-second/01_test_shout_01.py", DATED_SHOUT)
    record(pytester)

    result = run(pytester, "chapters/02-second", "-v", "--clock-offset=+213d")

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*::step-01 PASSED*", "*::step-02 PASSED*", "*step  1 @clock+213d *"]
    )


def test_a_step_is_recorded_at_today_s_time(
    pytester: pytest.Pytester, book: SampleBook
) -> None:
    book.write("02-second/01_test_shout_01.py", DATED_SHOUT)
    record(pytester)
    # Its output changes: recorded again, over a recording that shows a date.
    changed = DATED_SHOUT.replace("not shouted on", "still not shouted on")
    book.write("02-second/01_test_shout_01.py", changed)

    record(pytester)

    recorded = book.path("02-second/transcripts/step-01.txt").read_text()
    assert f"still not shouted on {date.today().isoformat()}" in recorded


def test_a_time_the_normaliser_misses_fails_at_another_time(
    pytester: pytest.Pytester, book: SampleBook
) -> None:
    # The date is masked, so the step runs with the clock moved; the months
    # since the year 0, printed beside it, are not masked.
    months = "{today.isoformat()} ({today.year * 12 + today.month})"
    shown = DATED_SHOUT.replace("{today.isoformat()}", months)
    book.write("02-second/01_test_shout_01.py", shown)
    record(pytester)

    result = run(pytester, "chapters/02-second", "--clock-offset=+213d")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*transcripts/step-01.txt: this run's output differs*",
            "*--clock-offset=none runs it at today's time*",
            "*step  1 @clock+213d *",
        ]
    )


def test_every_step_runs_at_today_s_time_when_the_clock_offset_is_none(
    pytester: pytest.Pytester, book: SampleBook
) -> None:
    book.write("02-second/01_test_shout_01.py", DATED_SHOUT)
    record(pytester)

    run(pytester, "chapters/02-second", "--clock-offset=none").assert_outcomes(passed=2)


def record(pytester: pytest.Pytester) -> None:
    result = run(pytester, "chapters/02-second", "--record")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert "2 recorded" in result.stdout.str()


def test_a_wrong_count_of_steps_at_once_stops_the_run_once(
    pytester: pytest.Pytester, book: SampleBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COOKBOOK_STEP_JOBS", "two")
    result = run(pytester, "chapters")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.str().count("COOKBOOK_STEP_JOBS='two' is not a number") == 1
    assert not result.outlines, "no step ran"
