"""State assembly: each chapter continues from the end of the previous one."""

from pathlib import Path, PurePosixPath

import pytest
from conftest import SampleBook

from cookbook.errors import CookbookError
from cookbook.state import chapter_changes, state_at, write_state


def contents(state: dict[PurePosixPath, Path]) -> dict[str, str]:
    return {str(target): source.read_text() for target, source in state.items()}


def test_step_zero_is_the_end_of_the_previous_chapter(sample: SampleBook) -> None:
    chapters = sample.load()

    assert state_at(chapters, 2, 0) == state_at(chapters, 1)


def test_each_step_adds_its_writes(sample: SampleBook) -> None:
    chapters = sample.load()

    assert sorted(map(str, state_at(chapters, 1, 1))) == [
        "pyproject.toml",
        "src/greet.py",
    ]
    assert sorted(map(str, state_at(chapters, 1, 2))) == [
        "pyproject.toml",
        "src/greet.py",
        "tests/test_greet.py",
    ]


def test_a_later_write_replaces_the_file(sample: SampleBook) -> None:
    chapters = sample.load()

    before = contents(state_at(chapters, 2, 1))["src/greet.py"]
    after = contents(state_at(chapters, 2, 2))["src/greet.py"]

    assert "shout" not in before
    assert "def shout" in after


def test_delete_removes_a_file(sample: SampleBook) -> None:
    sample.replace(
        "02-second/chapter.toml",
        'expect = "pass"\n',
        'expect = "pass"\ndelete = ["tests/test_greet.py"]\n',
    )
    chapters = sample.load()

    assert PurePosixPath("tests/test_greet.py") not in state_at(chapters, 2)


def test_deleting_a_missing_file_is_an_error(sample: SampleBook) -> None:
    sample.replace(
        "02-second/chapter.toml",
        'expect = "pass"\n',
        'expect = "pass"\ndelete = ["tests/nothing.py"]\n',
    )
    chapters = sample.load()

    with pytest.raises(
        CookbookError, match=r"deletes tests/nothing\.py, which does not"
    ):
        state_at(chapters, 2)


def test_unknown_chapter_or_step(sample: SampleBook) -> None:
    chapters = sample.load()

    with pytest.raises(CookbookError, match="there is no chapter 07"):
        state_at(chapters, 7)
    with pytest.raises(CookbookError, match="there is no step 3"):
        state_at(chapters, 2, 3)


def test_write_state_replaces_the_folder(sample: SampleBook, tmp_path: Path) -> None:
    chapters = sample.load()
    destination = tmp_path / "project"
    destination.mkdir()
    (destination / "stale.txt").write_text("left over")

    write_state(state_at(chapters, 1), destination)

    written = sorted(
        str(path.relative_to(destination))
        for path in destination.rglob("*")
        if path.is_file()
    )
    assert written == ["pyproject.toml", "src/greet.py", "tests/test_greet.py"]


def test_chapter_changes(sample: SampleBook) -> None:
    chapters = sample.load()

    first, second = chapter_changes(chapters, 1), chapter_changes(chapters, 2)

    assert [str(path) for path in first.added] == [
        "pyproject.toml",
        "src/greet.py",
        "tests/test_greet.py",
    ]
    assert [str(path) for path in second.added] == ["tests/test_shout.py"]
    assert [str(path) for path in second.changed] == ["src/greet.py"]
    assert second.removed == ()
