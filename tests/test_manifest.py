"""Manifest validation: each mistake is an error that names the file."""

from pathlib import Path, PurePosixPath

import pytest
from conftest import SampleBook

from cookbook.errors import CookbookError


def test_sample_loads_in_order(sample: SampleBook) -> None:
    first, second = sample.load()

    assert (first.number, first.slug, first.title) == (1, "first", "First")
    assert [step.command for step in first.steps] == [
        None,
        "pytest -q -p no:cacheprovider",
    ]
    assert [step.expect for step in second.steps] == ["fail", "pass"]
    assert first.steps[0].writes[1].target == PurePosixPath("src/greet.py")


def load_error(sample: SampleBook) -> CookbookError:
    with pytest.raises(CookbookError) as caught:
        sample.load()
    return caught.value


def test_unknown_key_in_a_step(sample: SampleBook) -> None:
    sample.replace("02-second/chapter.toml", 'expect = "fail"', 'expected = "fail"')

    error = load_error(sample)

    assert error.path == sample.path("02-second/chapter.toml")
    assert "unknown key 'expected' in step 1" in error.problem


def test_unknown_top_level_key(sample: SampleBook) -> None:
    sample.replace(
        "01-first/chapter.toml", 'title = "First"', 'title = "First"\ntitel = 1'
    )

    assert "unknown key 'titel'" in load_error(sample).problem


def test_snippet_listed_but_missing(sample: SampleBook) -> None:
    sample.path("01-first/01_greet_02.py").unlink()

    error = load_error(sample)

    assert error.path == sample.path("01-first/01_greet_02.py")
    assert "listed in step 1 of chapter.toml but missing" in error.problem


def test_snippet_in_the_folder_that_no_step_uses(sample: SampleBook) -> None:
    sample.write("02-second/03_extra_01.py", "x = 1\n")

    error = load_error(sample)

    assert error.path == sample.path("02-second/03_extra_01.py")
    assert "no step of chapter.toml uses this file" in error.problem


@pytest.mark.parametrize(
    "target", ["../outside.py", "/etc/passwd", "src/../../x.py", "src\\greet.py", ""]
)
def test_target_outside_the_package(sample: SampleBook, target: str) -> None:
    sample.replace("01-first/chapter.toml", '= "src/greet.py"', f"= {target!r}")

    error = load_error(sample)

    assert error.path == sample.path("01-first/chapter.toml")
    assert "is not a path inside the project" in error.problem


def test_duplicate_snippet_numbers(sample: SampleBook) -> None:
    sample.write("02-second/02_greeting_01.py", "x = 1\n")
    sample.replace(
        "02-second/chapter.toml",
        '"02_greet_01.py" = "src/greet.py"',
        '"02_greet_01.py" = "src/greet.py"\n"02_greeting_01.py" = "src/other.py"',
    )

    error = load_error(sample)

    assert error.path == sample.path("02-second/02_greeting_01.py")
    assert "same step and position numbers as 02_greet_01.py" in error.problem


def test_snippet_numbered_for_another_step(sample: SampleBook) -> None:
    sample.path("02-second/02_greet_01.py").rename(
        sample.path("02-second/03_greet_01.py")
    )
    sample.replace("02-second/chapter.toml", "02_greet_01.py", "03_greet_01.py")

    error = load_error(sample)

    assert "written by step 2, so its name must start with 02_" in error.problem


def test_badly_named_snippet(sample: SampleBook) -> None:
    sample.path("02-second/02_greet_01.py").rename(sample.path("02-second/greet.py"))
    sample.replace("02-second/chapter.toml", "02_greet_01.py", "greet.py")

    assert "snippet names follow NN_slug_MM.ext" in load_error(sample).problem


def test_run_without_expect(sample: SampleBook) -> None:
    sample.replace("02-second/chapter.toml", 'expect = "fail"\n', "")

    assert 'expect = "pass" or expect = "fail"' in load_error(sample).problem


def test_chapter_must_end_green(sample: SampleBook) -> None:
    sample.replace("02-second/chapter.toml", 'expect = "pass"', 'expect = "fail"')

    assert "every chapter ends in a green state" in load_error(sample).problem


def test_invalid_toml(sample: SampleBook) -> None:
    sample.write("01-first/chapter.toml", "title = \n")

    error = load_error(sample)

    assert error.path == sample.path("01-first/chapter.toml")
    assert "not valid TOML" in error.problem


def test_missing_manifest(sample: SampleBook) -> None:
    sample.path("01-first/chapter.toml").unlink()

    assert "every chapter folder needs a manifest" in load_error(sample).problem


def test_gap_in_chapter_numbers(sample: SampleBook) -> None:
    sample.path("02-second").rename(sample.path("03-second"))

    error = load_error(sample)

    assert error.path == sample.path("03-second")
    assert "expected chapter 02 here" in error.problem


def test_badly_named_chapter_folder(sample: SampleBook) -> None:
    sample.path("02-second").rename(sample.path("2-second"))

    assert "not a chapter folder name" in load_error(sample).problem


def test_stale_transcript(sample: SampleBook) -> None:
    sample.write("01-first/transcripts/step-01.txt", "$ pytest\n")

    error = load_error(sample)

    assert error.path == sample.path("01-first/transcripts/step-01.txt")
    assert "no step with a run command records this transcript" in error.problem


def test_step_that_does_nothing(sample: SampleBook) -> None:
    sample.replace(
        "01-first/chapter.toml", 'title = "First"\n', 'title = "First"\n\n[[step]]\n'
    )

    assert "step 1 does nothing" in load_error(sample).problem


def test_write_and_delete_the_same_target(sample: SampleBook) -> None:
    sample.replace(
        "02-second/chapter.toml",
        'expect = "pass"\n',
        'expect = "pass"\ndelete = ["src/greet.py"]\n',
    )

    assert "both writes and deletes src/greet.py" in load_error(sample).problem


def test_errors_name_the_file_in_their_message(sample: SampleBook) -> None:
    sample.write("02-second/03_extra_01.py", "x = 1\n")

    assert str(load_error(sample)).startswith(
        str(Path(sample.path("02-second/03_extra_01.py")))
    )
