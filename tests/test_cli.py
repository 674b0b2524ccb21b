"""The command line a writer and a reader use."""

import zipfile
from pathlib import Path

import pytest
from conftest import SampleBook

from cookbook import archive
from cookbook.cli import main
from cookbook.state import state_at


def test_export_writes_a_runnable_project(sample: SampleBook, tmp_path: Path) -> None:
    destination = tmp_path / "reading-club"

    assert main(["export", "2", str(destination)], sample.chapters_dir) == 0

    assert "def shout" in (destination / "src" / "greet.py").read_text()
    assert (destination / "tests" / "test_shout.py").is_file()


def test_export_a_step(sample: SampleBook, tmp_path: Path) -> None:
    destination = tmp_path / "red"

    assert (
        main(["export", "2", "--step", "1", str(destination)], sample.chapters_dir) == 0
    )

    assert "def shout" not in (destination / "src" / "greet.py").read_text()


def test_export_a_zip_is_reproducible(sample: SampleBook, tmp_path: Path) -> None:
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"

    for path in (first, second):
        assert main(["export", "1", "--zip", str(path)], sample.chapters_dir) == 0

    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as opened:
        assert "reading-club-01-first/src/greet.py" in opened.namelist()


def test_a_zip_is_not_rewritten_when_unchanged(
    sample: SampleBook, tmp_path: Path
) -> None:
    chapters = sample.load()
    folder = archive.top_folder(chapters[0])
    destination = tmp_path / "state.zip"

    assert archive.write_zip(state_at(chapters, 1), destination, folder)
    assert not archive.write_zip(state_at(chapters, 1), destination, folder)
    assert archive.write_zip(state_at(chapters, 2), destination, folder)


def test_requirements_of_a_chapter(
    sample: SampleBook, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["requirements", "2"], sample.chapters_dir) == 0

    assert capsys.readouterr().out.split() == ["pytest"]


def test_check_lists_the_chapters(
    sample: SampleBook, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check"], sample.chapters_dir) == 0

    assert capsys.readouterr().out.splitlines() == [
        "chapter 01: 2 steps, 3 snippets, First",
        "chapter 02: 2 steps, 2 snippets, Second",
    ]


def test_a_broken_book_is_reported_with_the_file(
    sample: SampleBook, capsys: pytest.CaptureFixture[str]
) -> None:
    sample.write("01-first/02_unused_02.py", "x = 1\n")

    assert main(["check"], sample.chapters_dir) == 2

    error = capsys.readouterr().err
    assert error.startswith("error: ")
    assert "01-first/02_unused_02.py: no step of chapter.toml uses this file" in error


def test_an_unknown_chapter(
    sample: SampleBook, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "9", "/nowhere"], sample.chapters_dir) == 2

    assert "there is no chapter 09; the chapters are 01, 02" in capsys.readouterr().err
