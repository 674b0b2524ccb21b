"""The site check: each captioned snippet on a page is the file it names."""

import zipfile
from pathlib import Path

import pytest
from conftest import Build, SampleBook

from cookbook.browser.downloads import check_page, main, shown_snippets


def test_the_built_pages_match_their_downloads(
    recorded: SampleBook, built: Build
) -> None:
    chapters = recorded.load()

    for chapter in chapters:
        assert check_page(chapters, chapter, built.html) == []


def test_every_captioned_snippet_is_found(recorded: SampleBook, built: Build) -> None:
    snippets = list(shown_snippets(built.page("02-second")))

    assert [(str(s.target), s.step, s.final) for s in snippets] == [
        ("tests/test_shout.py", 1, True),
        ("src/greet.py", 2, True),
    ]
    assert snippets[1].text.startswith("def greet(name: str) -> str:\n")


def test_a_page_that_shows_another_file_than_the_download(
    recorded: SampleBook, built: Build
) -> None:
    archive = built.html / "downloads" / "reading-club-02-second.zip"
    with zipfile.ZipFile(archive) as opened:
        files = {name: opened.read(name) for name in opened.namelist()}
    files["reading-club-02-second/src/greet.py"] = b"changed = True\n"
    with zipfile.ZipFile(archive, "w") as opened:
        for name, content in files.items():
            opened.writestr(name, content)
    chapters = recorded.load()

    (problem,) = check_page(chapters, chapters[1], built.html)

    assert "the snippet captioned src/greet.py (step 2) is not the file in" in problem


def test_a_site_that_was_not_built(recorded: SampleBook, tmp_path: Path) -> None:
    chapters = recorded.load()

    (problem,) = check_page(chapters, chapters[0], tmp_path)

    assert "missing; build the site first" in problem


def test_one_chapter_of_a_site_that_was_not_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main([str(tmp_path), "--chapter", "01"])

    assert status == 1
    printed = capsys.readouterr()
    assert "chapter 01: checking the page" in printed.out
    assert "installing and testing 0 download(s)" in printed.out
    assert "missing; build the site first (nox -s docs)." in printed.err
    assert "chapter 02" not in printed.out


def test_a_chapter_that_is_not_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([str(tmp_path), "--chapter", "99"])

    assert exited.value.code == 2
    assert "no chapter 99 in" in capsys.readouterr().err
