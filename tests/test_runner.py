"""The step runner: outcomes and transcripts are both checked."""

import argparse
import re
import tempfile
from pathlib import Path

import pytest
from conftest import SampleBook

from cookbook.manifest import Chapter
from cookbook.runner import (
    StepJobsError,
    StepReport,
    jobs_option,
    run_step,
    step_workers,
    verify_chapter,
)


def verify(
    sample: SampleBook, number: int, *, record: bool = False
) -> list[StepReport]:
    chapters = sample.load()
    chapter = chapters[number - 1]
    return verify_chapter(
        chapters, chapter, record=record, states_dir=sample.states_dir
    )


def problems(reports: list[StepReport]) -> list[str]:
    return [problem for report in reports for problem in report.problems]


def transcript(sample: SampleBook, chapter: str, step: int) -> Path:
    return sample.path(f"{chapter}/transcripts/step-{step:02d}.txt")


def test_recording_writes_one_transcript_per_command(recorded: SampleBook) -> None:
    text = transcript(recorded, "02-second", 1).read_text()

    assert text.startswith("$ pytest -q -p no:cacheprovider\n")
    assert "1 failed, 1 passed" in text
    assert "AttributeError" in text
    assert not transcript(recorded, "01-first", 1).exists()  # step 1 runs nothing


def test_transcripts_hold_no_machine_paths(recorded: SampleBook) -> None:
    for path in recorded.chapters_dir.rglob("step-*.txt"):
        text = path.read_text()
        assert str(recorded.root) not in text
        assert str(Path.home()) + "/" not in text


def test_a_recorded_book_verifies(recorded: SampleBook) -> None:
    for number in (1, 2):
        reports = verify(recorded, number)
        assert problems(reports) == []
        assert all(report.run.seconds > 0 for report in reports)


def test_red_step_is_checked_to_fail(recorded: SampleBook) -> None:
    (first, second) = verify(recorded, 2)

    assert (first.run.outcome, second.run.outcome) == ("fail", "pass")


def test_a_snippet_edited_so_its_tests_fail(recorded: SampleBook) -> None:
    recorded.replace("02-second/02_greet_01.py", ".upper()", ".lower()")

    (found,) = problems(verify(recorded, 2))

    assert (
        "chapter.toml: step 2 (pytest -q -p no:cacheprovider) was expected to pass"
        in found
    )
    assert "AssertionError" in found or "assert" in found


def test_a_fail_step_that_passes(recorded: SampleBook) -> None:
    recorded.write(
        "02-second/01_test_shout_01.py",
        "def test_shout() -> None:\n    assert True\n",
    )

    (found,) = problems(verify(recorded, 2))

    assert "step 1 (pytest -q -p no:cacheprovider) is declared to fail" in found
    assert "but it passed" in found


def test_an_edited_transcript(recorded: SampleBook) -> None:
    path = transcript(recorded, "01-first", 2)
    path.write_text(path.read_text().replace("1 passed", "2 passed"))

    (found,) = problems(verify(recorded, 1))

    assert found.startswith(str(Path("01-first/transcripts/step-02.txt"))) or (
        "01-first/transcripts/step-02.txt" in found.splitlines()[0]
    )
    assert "-2 passed in <duration>" in found
    assert "+1 passed in <duration>" in found
    assert "nox -s chapter-01 -- --record" in found


def test_a_missing_transcript(sample: SampleBook) -> None:
    (found,) = problems(verify(sample, 1))

    assert "step-02.txt: not recorded yet" in found


def test_durations_do_not_count_as_a_change(recorded: SampleBook) -> None:
    path = transcript(recorded, "01-first", 2)
    text = path.read_text()
    assert " in 0." in text
    path.write_text(text.replace(" in 0.", " in 12."))

    assert problems(verify(recorded, 1)) == []


def test_a_changed_command_needs_a_new_recording(recorded: SampleBook) -> None:
    recorded.replace("01-first/chapter.toml", "pytest -q", "pytest -q -rA")

    (found,) = problems(verify(recorded, 1))

    assert "+$ pytest -q -rA -p no:cacheprovider" in found


def test_steps_run_in_their_own_folders(recorded: SampleBook) -> None:
    chapters: tuple[Chapter, ...] = recorded.load()
    verify_chapter(chapters, chapters[1], states_dir=recorded.states_dir)

    red = recorded.states_dir / "02-second" / "step-01" / "src" / "greet.py"
    green = recorded.states_dir / "02-second" / "step-02" / "src" / "greet.py"
    assert "shout" not in red.read_text()
    assert "shout" in green.read_text()


TEMPORARY_ROOT_TEST = """

def test_tmp_path_is_under_a_root_of_its_own(tmp_path):
    import os
    from pathlib import Path

    root = os.environ["PYTEST_DEBUG_TEMPROOT"]
    Path("temporary-root.txt").write_text(root)
    assert str(tmp_path).startswith(root)
"""


def test_a_step_keeps_pytest_s_temporary_folders_apart(sample: SampleBook) -> None:
    """Steps run at once: each pytest clears old folders under its root, so
    each step has a root of its own, removed after the step."""
    with sample.path("01-first/02_test_greet_01.py").open("a") as test_file:
        test_file.write(TEMPORARY_ROOT_TEST)
    chapters = sample.load()
    chapter = chapters[0]

    run = run_step(chapters, chapter, chapter.steps[1], sample.states_dir)

    assert run.exit_code == 0, run.transcript.output
    project = sample.states_dir / "01-first" / "step-02"
    root = Path((project / "temporary-root.txt").read_text())
    assert root != Path(tempfile.gettempdir())
    assert not root.exists(), f"{root} is left after the step"


def test_every_step_starts_at_once_up_to_four_per_cpu() -> None:
    assert step_workers(None, 5, cpus=2, environ={}) == 5
    assert step_workers(None, 9, cpus=2, environ={}) == 8
    assert step_workers(None, 0, cpus=2, environ={}) == 1


def test_cookbook_step_jobs_is_the_default_of_jobs() -> None:
    assert step_workers(None, 5, cpus=2, environ={"COOKBOOK_STEP_JOBS": "2"}) == 2
    assert step_workers(None, 5, cpus=2, environ={"COOKBOOK_STEP_JOBS": " 3 "}) == 3
    assert step_workers(3, 5, cpus=2, environ={"COOKBOOK_STEP_JOBS": "2"}) == 3
    assert step_workers(None, 5, cpus=2, environ={"COOKBOOK_STEP_JOBS": ""}) == 5


def test_the_default_reads_this_process_s_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COOKBOOK_STEP_JOBS", "3")
    assert step_workers(None, 5) == 3


@pytest.mark.parametrize("setting", ["0", "two", "-1", "1.5", "²"])
def test_a_wrong_count_of_steps_at_once_is_named(setting: str) -> None:
    named = re.escape(f"COOKBOOK_STEP_JOBS={setting!r}")
    with pytest.raises(StepJobsError, match=named):
        step_workers(None, 5, environ={"COOKBOOK_STEP_JOBS": setting})


@pytest.mark.parametrize("text", ["0", "-1", "two", "²"])
def test_jobs_is_a_whole_number_of_one_or_more(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="a whole number of 1 or more"):
        jobs_option(text)
